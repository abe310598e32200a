"""Analytics: exposure, near-miss hotspots, (later) screening, evaluation, speeds, scores."""
