import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

/**
 * `npm run ussd -- --phone +2290197000001 [--url http://localhost:8000/ussd] [--code *123#]`:
 * a feature phone in the terminal, talking to a running gateway exactly as Africa's Talking does
 * (one form POST per hop, a fresh sessionId per dial, every input joined by '*'), then the
 * end-of-session notification to <url>/events. Type ':q' (or Ctrl+C / Ctrl+D) to hang up.
 */
const usage =
  'usage: npm run ussd -- --phone +229XXXXXXXXXX [--url http://localhost:8000/ussd] [--code *123#]';

const { values } = parseArgs({
  options: {
    phone: { type: 'string' },
    url: { type: 'string', default: 'http://localhost:8000/ussd' },
    code: { type: 'string', default: '*123#' },
    network: { type: 'string', default: '61603' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help || !values.phone) {
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}
const phone = values.phone;
const hopUrl = new URL(values.url);
const eventsUrl = new URL(hopUrl);
eventsUrl.pathname = `${hopUrl.pathname.replace(/\/$/, '')}/events`;

const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
rl.on('SIGINT', () => rl.close());
const lines = rl[Symbol.asyncIterator]();

/** The next line typed, or null when the user hangs up (':q', Ctrl+C, end of input). */
async function ask(prompt: string): Promise<string | null> {
  rl.setPrompt(prompt);
  rl.prompt();
  const next = await lines.next();
  if (next.done) return null;
  const line = next.value.trim();
  return line === ':q' ? null : line;
}

async function post(url: URL, fields: Record<string, string>): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`${url.pathname} answered HTTP ${res.status}: ${body}`);
  return body;
}

/** One dial: hops until END or hang-up, then the end-of-session notification. */
async function session(): Promise<'ended' | 'quit'> {
  const sessionId = `CLI_${randomUUID()}`;
  const started = Date.now();
  const inputs: string[] = [];
  const base = { sessionId, serviceCode: values.code, phoneNumber: phone, networkCode: values.network };
  let reply = await post(hopUrl, { ...base, text: '' });
  let status = 'Success';
  while (reply.startsWith('CON ')) {
    console.log(`\n${reply.slice(4)}`);
    const input = await ask('> ');
    if (input === null) {
      status = 'Incomplete';
      break;
    }
    inputs.push(input);
    reply = await post(hopUrl, { ...base, text: inputs.join('*') });
  }
  if (status === 'Success') {
    console.log(`\n${reply.replace(/^END /, '')}\n[session ended]`);
  } else {
    console.log('\n[hung up]');
  }
  await post(eventsUrl, {
    ...base,
    status,
    durationInMillis: String(Date.now() - started),
    hopsCount: String(inputs.length + 1),
    input: inputs.join('*'),
    lastAppResponse: reply,
  });
  return status === 'Success' ? 'ended' : 'quit';
}

async function run() {
  console.log(`Dialling ${values.code} as ${phone} on ${hopUrl.origin}${hopUrl.pathname}`);
  while ((await session()) === 'ended') {
    const again = await ask('\nDial again? [y/N] ');
    if (again === null || !/^(y|yes|o|oui)$/i.test(again)) break;
  }
  rl.close();
}

run().catch((err: unknown) => {
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  console.error(`${err instanceof Error ? err.message : String(err)}${cause}`);
  process.exit(1);
});
