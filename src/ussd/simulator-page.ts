/**
 * GET /simulator: a feature phone in a web page. Dial *123#, type on the keypad, press Send; the page
 * posts to /ussd exactly as Africa's Talking does (form fields, accumulated `text`).
 */
export const simulatorPage = `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TontiFlex - simulateur USSD</title>
<style>
  body { font-family: sans-serif; background: #e8eef2; display: flex; justify-content: center; padding: 24px; }
  .phone { width: 260px; background: #222; border-radius: 28px; padding: 18px; box-shadow: 0 8px 24px #0005; }
  .screen { background: #b8d8a8; height: 220px; border-radius: 6px; padding: 8px; font: 13px/1.35 monospace;
            white-space: pre-wrap; overflow-y: auto; color: #111; }
  .entry { margin-top: 8px; width: 100%; box-sizing: border-box; font: 16px monospace; padding: 4px; }
  .keys { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin-top: 12px; }
  button { padding: 10px 0; border-radius: 10px; border: 0; font-size: 16px; background: #444; color: #fff; }
  button.call { background: #2a7d2a; } button.hang { background: #a52a2a; }
  label { color: #ccc; font-size: 12px; }
  .number { width: 100%; box-sizing: border-box; margin-bottom: 8px; }
</style>
</head>
<body>
<div class="phone">
  <label>Numero <input class="number" id="phone" value="+2290197000001"></label>
  <div class="screen" id="screen" data-state="idle">Composez *123# puis Appeler.</div>
  <input class="entry" id="entry" autocomplete="off" placeholder="*123#">
  <div class="keys" id="keys"></div>
</div>
<script>
(function () {
  var screen = document.getElementById('screen');
  var entry = document.getElementById('entry');
  var phone = document.getElementById('phone');
  var keys = document.getElementById('keys');
  var session = null, code = '', inputs = [], started = 0, last = '', hops = 0;
  function show(text, state) { screen.textContent = text; screen.setAttribute('data-state', state); }
  function fields() {
    return { sessionId: session, serviceCode: code, phoneNumber: phone.value, networkCode: '61603' };
  }
  function form(path, extra) {
    var body = new URLSearchParams(fields());
    Object.keys(extra).forEach(function (k) { body.set(k, extra[k]); });
    return fetch(path + location.search, { method: 'POST', body: body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.text(); });
  }
  // Africa's Talking's end-of-session notification, as it sends it when a session ends.
  function ended(status) {
    if (!session) return;
    form('/ussd/events', { status: status, durationInMillis: String(Date.now() - started),
      hopsCount: String(inputs.length + 1), lastAppResponse: last }).catch(function () {});
    session = null; inputs = [];
  }
  function post(text) {
    screen.setAttribute('data-state', 'waiting');
    return form('/ussd', { text: text })
      .then(function (reply) {
        last = reply; hops += 1; screen.setAttribute('data-hop', String(hops));
        if (reply.indexOf('CON ') === 0) { show(reply.slice(4), 'con'); }
        else if (reply.indexOf('END ') === 0) { show(reply.slice(4), 'end'); ended('Success'); }
        else { show('Reponse inattendue.', 'end'); ended('Failed'); }
      })
      .catch(function () { show('Erreur reseau.', 'end'); session = null; inputs = []; });
  }
  function send() {
    var value = entry.value; entry.value = '';
    if (!session) {
      if (!/^\\*\\d+(\\*\\d+)*#$/.test(value)) { show('Composez un code USSD, ex: *123#', 'idle'); return; }
      session = 'SIM' + Date.now() + Math.floor(Math.random() * 1e6); code = value; inputs = [];
      started = Date.now(); last = '';
      return post('');
    }
    inputs.push(value);
    return post(inputs.join('*'));
  }
  function hang() { ended('Incomplete'); entry.value = ''; show('Appel termine.', 'idle'); }
  ['1','2','3','4','5','6','7','8','9','*','0','#'].forEach(function (k) {
    var b = document.createElement('button'); b.textContent = k; b.setAttribute('data-key', k);
    b.onclick = function () { entry.value += k; }; keys.appendChild(b);
  });
  var call = document.createElement('button'); call.textContent = 'Appeler'; call.className = 'call';
  call.id = 'send'; call.onclick = send; keys.appendChild(call);
  var del = document.createElement('button'); del.textContent = 'C'; del.id = 'clear';
  del.onclick = function () { entry.value = entry.value.slice(0, -1); }; keys.appendChild(del);
  var end = document.createElement('button'); end.textContent = 'Fin'; end.className = 'hang'; end.id = 'hang';
  end.onclick = hang; keys.appendChild(end);
  entry.addEventListener('keydown', function (e) { if (e.key === 'Enter') send(); });
})();
</script>
</body>
</html>
`;
