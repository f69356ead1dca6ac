/**
 * GET /simulator: a feature phone in a web page. Dial *123#, type on the keypad, press Send; the page
 * posts to /ussd exactly as Africa's Talking does (form fields, accumulated `text`). A label says whether
 * the session waits for input (CON) or has ended (END). Under the phone, the SMS its number received,
 * polled every 2 s from GET /simulator/sms (demo mode with the console sender only; elsewhere it answers
 * 404 and the list says so). Every text from the server goes in as textContent, never as HTML.
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
  .state { color: #ddd; font-size: 12px; margin-top: 6px; min-height: 15px; }
  .state[data-state="con"] { color: #9fe09f; } .state[data-state="end"] { color: #f0b0a0; }
  .column { display: flex; flex-direction: column; align-items: center; gap: 16px; }
  .inbox { width: 296px; background: #fff; border-radius: 10px; padding: 10px; box-shadow: 0 4px 12px #0002; }
  .inbox h2 { font-size: 14px; margin: 0 0 8px; }
  .inbox ol { list-style: none; margin: 0; padding: 0; max-height: 320px; overflow-y: auto; }
  .inbox li { border-top: 1px solid #ddd; padding: 6px 0; font-size: 13px; }
  .inbox .meta { color: #666; font-size: 11px; }
  .inbox .text { white-space: pre-wrap; word-wrap: break-word; }
  .inbox .note { color: #666; font-size: 12px; }
</style>
</head>
<body>
<div class="column">
<div class="phone">
  <label>Numero <input class="number" id="phone" value="+2290197000001"></label>
  <div class="screen" id="screen" data-state="idle">Composez *123# puis Appeler.</div>
  <div class="state" id="state" data-state="idle">Aucune session</div>
  <input class="entry" id="entry" autocomplete="off" placeholder="*123#">
  <div class="keys" id="keys"></div>
</div>
<div class="inbox">
  <h2>SMS recus</h2>
  <div class="note" id="sms-note">Chargement...</div>
  <ol id="sms"></ol>
</div>
</div>
<script>
(function () {
  var screen = document.getElementById('screen');
  var entry = document.getElementById('entry');
  var phone = document.getElementById('phone');
  var keys = document.getElementById('keys');
  var stateLabel = document.getElementById('state');
  var smsList = document.getElementById('sms');
  var smsNote = document.getElementById('sms-note');
  var session = null, code = '', inputs = [], started = 0, last = '', hops = 0;
  var LABELS = { idle: 'Aucune session', waiting: 'Envoi...', con: 'En attente de saisie', end: 'Session terminee' };
  function mark(state) {
    screen.setAttribute('data-state', state);
    stateLabel.textContent = LABELS[state];
    stateLabel.setAttribute('data-state', state);
  }
  function show(text, state) { screen.textContent = text; mark(state); }
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
    mark('waiting');
    return form('/ussd', { text: text })
      .then(function (reply) {
        last = reply; hops += 1; screen.setAttribute('data-hop', String(hops));
        if (reply.indexOf('CON ') === 0) { show(reply.slice(4), 'con'); }
        else if (reply.indexOf('END ') === 0) { show(reply.slice(4), 'end'); ended('Success'); refresh(); }
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

  // The SMS this number received, newest first: GET /simulator/sms, every 2 s while the page is open.
  var shown = '', timer = null, stopped = false;
  function note(text) { smsNote.textContent = text; smsNote.hidden = !text; }
  function render(messages) {
    var signature = JSON.stringify(messages);
    if (signature === shown) return;
    shown = signature;
    while (smsList.firstChild) smsList.removeChild(smsList.firstChild);
    messages.forEach(function (m) {
      var li = document.createElement('li');
      li.setAttribute('data-id', String(m.id));
      li.setAttribute('data-kind', m.kind);
      var meta = document.createElement('div'); meta.className = 'meta';
      meta.textContent = new Date(m.created_at).toLocaleTimeString('fr-FR') + ' - ' + m.kind + ' - ' + m.status;
      var text = document.createElement('div'); text.className = 'text'; text.textContent = m.text;
      li.appendChild(meta); li.appendChild(text); smsList.appendChild(li);
    });
    note(messages.length ? '' : 'Aucun SMS pour ce numero.');
  }
  function refresh() {
    if (stopped) return;
    var number = phone.value;
    fetch('/simulator/sms?phone=' + encodeURIComponent(number), { headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (r.status === 404) { stopped = true; render([]); note('SMS visibles en mode demo uniquement.'); return; }
        if (r.status === 400) { render([]); shown = ''; note('Numero invalide.'); return; }
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json().then(function (messages) { if (number === phone.value) render(messages); });
      })
      .catch(function () { note('SMS indisponibles (erreur reseau).'); });
  }
  function poll() {
    if (!document.hidden) refresh();
    if (!stopped) timer = setTimeout(poll, 2000);
  }
  phone.addEventListener('change', function () { shown = ''; refresh(); });
  window.addEventListener('pagehide', function () { if (timer) clearTimeout(timer); });
  poll();
})();
</script>
</body>
</html>
`;
