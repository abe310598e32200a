// The sign-in page's script (a file of its own: the Content-Security-Policy allows no
// inline script).
async function signIn(body) {
  const r = await fetch('/v1/session', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  if (r.ok) { location.replace('/'); return; }
  let message = 'sign-in failed';
  try { message = (await r.json()).error.message; } catch (e) { /* not JSON */ }
  document.getElementById('error').textContent = message;
}
document.getElementById('form').addEventListener('submit', (e) => {
  e.preventDefault();
  const key = document.getElementById('api_key').value.trim();
  signIn(key ? {api_key: key} : {username: document.getElementById('username').value,
                                  password: document.getElementById('password').value});
});
const m = location.hash.match(/^#key=(.+)$/);
if (m) { history.replaceState(null, '', '/signin'); signIn({api_key: decodeURIComponent(m[1])}); }
