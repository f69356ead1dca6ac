import { randomBytes } from 'node:crypto';
import { header, StubServer, type Fault, type RecordedRequest, type StubReply } from './stub-server';

export interface AfricasTalkingStubOptions {
  username: string;
  apiKey: string;
}

/** One recipient of one accepted request, as the stub received and answered it. */
export interface AtStubMessage {
  username: string;
  to: string;
  message: string;
  from: string | undefined;
  statusCode: number;
  messageId: string | null;
}

const PATH = '/version1/messaging';
/** Africa's Talking's per-recipient status names. */
export const AT_STATUS: Record<number, string> = {
  100: 'Processed',
  101: 'Success',
  102: 'Queued',
  401: 'RiskHold',
  402: 'InvalidSenderId',
  403: 'InvalidPhoneNumber',
  404: 'UnsupportedNumberType',
  405: 'InsufficientBalance',
  406: 'UserInBlacklist',
  407: 'CouldNotRoute',
  500: 'InternalServerError',
  501: 'GatewayError',
  502: 'RejectedByGateway',
};

/** Africa's Talking SMS API stand-in: POST /version1/messaging, form-encoded, apiKey header. */
export class AfricasTalkingStub {
  readonly messages: AtStubMessage[] = [];
  private readonly recipientFaults: number[] = [];
  private readonly requestRefusals: string[] = [];
  /** A fixed per-recipient statusCode for some numbers, on every request. */
  private readonly statusByNumber = new Map<string, number>();
  private readonly server = new StubServer((req) => this.route(req));
  /**
   * Runs once a request's messages are accepted (their ids given) and before the answer leaves: AT's
   * delivery reports can outrun its answer to the send.
   */
  beforeAnswer: ((accepted: AtStubMessage[]) => Promise<void>) | null = null;

  constructor(private readonly options: AfricasTalkingStubOptions) {}

  start(): Promise<string> {
    return this.server.start();
  }
  close(): Promise<void> {
    return this.server.close();
  }
  get requests(): RecordedRequest[] {
    return this.server.requests;
  }
  /** The next `count` requests get HTTP 500 ('error') or no answer at all ('hang'). */
  failNext(count: number, fault: Fault = 'error'): void {
    this.server.failNext(count, fault);
  }
  /** The next `count` accepted requests answer 201 with this per-recipient statusCode (403, 500...). */
  recipientStatusNext(count: number, statusCode: number): void {
    for (let i = 0; i < count; i++) this.recipientFaults.push(statusCode);
  }

  /** Every request to this number gets this per-recipient statusCode (403 InvalidPhoneNumber...). */
  statusFor(number: string, statusCode: number): void {
    this.statusByNumber.set(number, statusCode);
  }
  /** The next `count` requests are refused whole: 201 with no recipient and this Message (InvalidSenderId). */
  refuseRequestNext(count: number, message: string): void {
    for (let i = 0; i < count; i++) this.requestRefusals.push(message);
  }
  /** The accepted requests' messages sent to `number`. */
  sentTo(number: string): AtStubMessage[] {
    return this.messages.filter((m) => m.to === number);
  }

  private async route(req: RecordedRequest): Promise<StubReply> {
    if (req.path !== PATH || req.method !== 'POST') return { status: 404, body: 'Not Found' };
    if (header(req, 'apikey') !== this.options.apiKey) {
      return { status: 401, body: 'The supplied authentication is invalid' };
    }
    if (!/^application\/x-www-form-urlencoded/.test(header(req, 'content-type') ?? '')) {
      return { status: 415, body: 'Unsupported Media Type' };
    }
    const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
    if (form.get('username') !== this.options.username) {
      return { status: 401, body: 'The supplied authentication is invalid' };
    }
    for (const field of ['to', 'message']) {
      if (!form.get(field)) return { status: 400, body: `Request is missing required form field '${field}'` };
    }
    const refusal = this.requestRefusals.shift();
    if (refusal) return { status: 201, body: { SMSMessageData: { Message: refusal, Recipients: [] } } };
    const fault = this.recipientFaults.shift();
    const recipients = form
      .get('to')!
      .split(',')
      .map((number) => {
        const statusCode =
          fault ?? this.statusByNumber.get(number) ?? (/^\+\d{8,15}$/.test(number) ? 101 : 403);
        const ok = statusCode < 200;
        const messageId = ok ? `ATXid_${randomBytes(16).toString('hex')}` : null;
        this.messages.push({
          username: form.get('username')!,
          to: number,
          message: form.get('message')!,
          from: form.get('from') ?? undefined,
          statusCode,
          messageId,
        });
        const status = AT_STATUS[statusCode] ?? 'Failed';
        return { statusCode, number, status, cost: ok ? 'XOF 25.0000' : '0', messageId: messageId ?? 'None' };
      });
    const sent = recipients.filter((r) => r.statusCode < 200).length;
    await this.beforeAnswer?.(this.messages.slice(-recipients.length).filter((m) => m.messageId));
    return {
      status: 201,
      body: {
        SMSMessageData: {
          Message: `Sent to ${sent}/${recipients.length} Total Cost: XOF ${sent * 25}`,
          Recipients: recipients,
        },
      },
    };
  }
}
