// The page's words in English and Korean. Keys are used by data-i18n attributes and t().
export const MESSAGES = {
  en: {
    title: 'roadsense', vehicles: 'Vehicles', positions: 'Positions', events: 'Events', vkm: 'Vehicle-km',
    eventType: 'Event type', allTypes: 'All types', from: 'From', to: 'To', fleet: 'Fleet', allFleets: 'All fleets',
    hourFrom: 'Hours from', hourTo: 'to', language: 'Language', apply: 'Apply', loading: 'Loading…',
    layers: 'Layers', hotspots: 'Near-miss hotspots (EB excess)', density: 'Driving density (H3)',
    eventsLayer: 'Events (clustered)', speeds: 'Traffic speed by hour of week', speeding: 'Speeding share',
    mismatches: 'Sign vs map speed limit', potholes: 'Potholes', lanes: 'Worn lane markings',
    hourOfWeek: 'Hour of week', rates: 'Warnings per 100 km', evaluation: 'Evaluation (rate ratios, 95 %)',
    top: 'Top 20 hotspots', fleetScores: 'Driver scores', noData: 'No data for these filters.',
    noEvaluation: 'No roll-out evaluation recorded.', excess: 'excess', rate: 'Rate', cell: 'H3 cell', place: 'Place',
    time: 'Time', level: 'Level', speed: 'Speed', ttc: 'TTC', headway: 'Headway', vehicle: 'Vehicle',
    rank: 'Rank', notRanked: 'Cell (not ranked)', lowExposure: 'Too little exposure to rank',
    shown: (e, c) => `${e} events and ${c} cells shown.`, failed: 'Could not load the dashboard',
    signedInAs: 'Signed in as', cluster: 'events here: zoom in', less: 'low', more: 'high',
    mapLabel: 'Map of roads, near-miss hotspots and events', summaryLabel: 'Fleet summary',
    panelLabel: 'Layers, legends and panels',
    rankedByRate: 'Ranked by rate (events per 1,000 vehicle-km): too few cells to fit a safety performance function, so no EB excess.',
  },
  ko: {
    title: 'roadsense', vehicles: '차량', positions: '위치', events: '이벤트', vkm: '차량-km',
    eventType: '이벤트 유형', allTypes: '모든 유형', from: '시작일', to: '종료일', fleet: '운수사', allFleets: '모든 운수사',
    hourFrom: '시간대', hourTo: '~', language: '언어', apply: '적용', loading: '불러오는 중…',
    layers: '레이어', hotspots: '아차사고 다발 지점 (EB 초과)', density: '주행 밀도 (H3)',
    eventsLayer: '이벤트 (군집)', speeds: '요일·시간대별 통행 속도', speeding: '과속 비율',
    mismatches: '표지판-지도 제한속도 불일치', potholes: '포트홀', lanes: '차선 마모',
    hourOfWeek: '주간 시간대', rates: '100 km당 경고', evaluation: '평가 결과 (비율비, 95 %)',
    top: '상위 20개 다발 지점', fleetScores: '운전자 점수', noData: '이 조건에 해당하는 자료가 없습니다.',
    noEvaluation: '기록된 도입 평가가 없습니다.', excess: '초과', rate: '비율', cell: 'H3 셀', place: '장소',
    time: '시각', level: '단계', speed: '속도', ttc: '충돌 예상 시간', headway: '차간 시간', vehicle: '차량',
    rank: '순위', notRanked: '셀 (순위 없음)', lowExposure: '노출이 적어 순위 없음',
    shown: (e, c) => `이벤트 ${e}건, 셀 ${c}개 표시.`, failed: '대시보드를 불러오지 못했습니다',
    signedInAs: '로그인:', cluster: '건: 확대하세요', less: '낮음', more: '높음',
    mapLabel: '도로, 아차사고 다발 지점, 이벤트 지도', summaryLabel: '차량 요약', panelLabel: '레이어, 범례, 패널',
    rankedByRate: '비율(1,000 차량-km당 이벤트) 순위: 셀이 적어 안전성능함수(SPF)를 추정할 수 없어 EB 초과값이 없습니다.',
  },
};

export function pickLanguage() {
  const saved = localStorage.getItem('roadsense.lang');
  if (saved && MESSAGES[saved]) return saved;
  return (navigator.language || 'en').toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export function translator(lang) {
  const table = MESSAGES[lang] || MESSAGES.en;
  return (key, ...args) => {
    const value = table[key] ?? MESSAGES.en[key] ?? key;
    return typeof value === 'function' ? value(...args) : value;
  };
}

export function applyTranslations(t, lang) {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}
