import { randomUUID } from 'node:crypto';
import type { TestApp } from './app';

type Poster = Pick<TestApp, 'request'>;

/**
 * A feature phone talking to the gateway exactly as Africa's Talking relays it: one form POST per hop,
 * `text` = every input of the session joined by `*`.
 */
export class Phone {
  sessionId = '';
  private inputs: string[] = [];

  constructor(
    private readonly app: Poster,
    readonly number: string,
    private readonly path = '/ussd',
  ) {}

  /** Dials the service code: a new session, empty text. */
  async dial(sessionId = `ATUid_${randomUUID()}`): Promise<string> {
    this.sessionId = sessionId;
    this.inputs = [];
    return this.post('');
  }

  async send(input: string): Promise<string> {
    this.inputs.push(input);
    return this.post(this.inputs.join('*'));
  }

  /** Sends several inputs, one hop each; answers the last screen. */
  async sendAll(...inputs: string[]): Promise<string> {
    let last = '';
    for (const input of inputs) last = await this.send(input);
    return last;
  }

  /** The operator retries the last hop. */
  async repeat(): Promise<string> {
    return this.post(this.inputs.join('*'));
  }

  /** Africa's Talking's end-of-session notification. */
  async hangUp(status: 'Incomplete' | 'Success' | 'Failed' = 'Incomplete') {
    return this.app.request
      .post('/ussd/events')
      .type('form')
      .send({
        sessionId: this.sessionId,
        phoneNumber: this.number,
        serviceCode: '*123#',
        networkCode: '61603',
        status,
        durationInMillis: '12000',
        hopsCount: String(this.inputs.length + 1),
        input: this.inputs.join('*'),
        lastAppResponse: '',
      });
  }

  async post(text: string): Promise<string> {
    const res = await this.app.request.post(this.path).type('form').send({
      sessionId: this.sessionId,
      serviceCode: '*123#',
      phoneNumber: this.number,
      networkCode: '61603',
      text,
    });
    if (res.status !== 200) throw new Error(`/ussd answered HTTP ${res.status}: ${res.text}`);
    if (!/^text\/plain/.test(String(res.headers['content-type']))) throw new Error('not text/plain');
    return res.text;
  }
}
