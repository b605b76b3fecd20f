/** SmtpEmailSender against smtp-server and SesEmailSender against a local SES v2 endpoint, parsed with mailparser. */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { type ParsedMail, simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeRaw, SesEmailSender, SmtpEmailSender } from '../../adapters/delivery/email.js';
import { buildEmailMessage } from '../../core/delivery/email.js';
import { failure, loadCsv } from './helpers.js';
import { startServer } from './servers/http.js';
import { type FakeSmtp, startFakeSmtp } from './servers/smtp.js';

let smtp: FakeSmtp;
let csv: string;

beforeAll(async () => {
  smtp = await startFakeSmtp();
  csv = await loadCsv();
});
afterAll(async () => {
  await smtp.close();
});

/** A header as it was on the wire (mailparser folds List-* headers into one parsed `list` value). */
function headerLine(mail: ParsedMail, key: string): string | undefined {
  return mail.headerLines.find((h) => h.key === key)?.line;
}

const message = (team = 'ml-platform', week = '2026-W12') =>
  buildEmailMessage({
    week,
    team,
    from: 'ownercost <finops@example.com>',
    to: ['ml-leads@example.com', 'cto@example.com'],
    subject: `ownercost: ${team} spent 18,204.11 € in ${week}`,
    html: '<h1>ml-platform</h1><p>18,204.11 € this week — <b>+6.2%</b></p>',
    text: 'ml-platform\n18,204.11 € this week — +6.2%\n',
    csv,
    unsubscribe: { url: 'https://finops.example.com/ownercost/unsubscribe' },
  });

describe('SmtpEmailSender', () => {
  it('delivers multipart/alternative text and HTML, the unsubscribe headers and the CSV attachment', async () => {
    const sender = new SmtpEmailSender({ url: smtp.url, ignoreTLS: true });
    const date = new Date('2026-03-23T07:00:00Z');
    const sent = await sender.send(message(), { date });
    sender.close();
    expect(smtp.received).toHaveLength(1);
    const got = smtp.received[0];
    expect(got?.to).toEqual(['ml-leads@example.com', 'cto@example.com']);
    expect(got?.from).toBe('finops@example.com');
    const mail = await simpleParser(got?.raw as Buffer);
    expect(mail.messageId).toBe(message().messageId);
    expect(sent.messageId).toBe(message().messageId);
    expect(mail.subject).toBe('ownercost: ml-platform spent 18,204.11 € in 2026-W12');
    expect(mail.text?.trim()).toBe('ml-platform\n18,204.11 € this week — +6.2%');
    expect(mail.html).toContain('<b>+6.2%</b>');
    expect(mail.date?.toISOString()).toBe(date.toISOString());
    expect(got?.raw.toString()).toMatch(/Content-Type: multipart\/alternative/);
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(headerLine(mail, 'list-unsubscribe')).toBe(
      'List-Unsubscribe: <mailto:finops@example.com?subject=unsubscribe%20ownercost%20ml-platform>, <https://finops.example.com/ownercost/unsubscribe?team=ml-platform&week=2026-W12>',
    );
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.attachments).toHaveLength(1);
    const att = mail.attachments[0];
    expect(att?.filename).toBe('ownercost-allocations-ml-platform-2026-W12.csv');
    expect(att?.contentType).toBe('text/csv');
    expect(att?.content.toString('utf8')).toBe(csv);
  });

  it('gives a team the same Message-ID on every run of a week', async () => {
    const a = await composeRaw(message(), new Date('2026-03-23T07:00:00Z'));
    const b = await composeRaw(message(), new Date('2026-03-24T09:30:00Z'));
    const [ma, mb] = await Promise.all([simpleParser(a), simpleParser(b)]);
    expect(ma.messageId).toBe(mb.messageId);
    expect(ma.messageId).toMatch(/^<ownercost\.2026-W12\.[0-9a-f]{16}@example\.com>$/);
    expect((await simpleParser(await composeRaw(message('web')))).messageId).not.toBe(ma.messageId);
  });

  it('logs in with the credentials of the URL and never puts the password in an error', async () => {
    const secured = await startFakeSmtp({ user: 'bot', pass: 'p@ss w0rd SECRET' });
    try {
      const good = new SmtpEmailSender({
        url: `smtp://bot:${encodeURIComponent('p@ss w0rd SECRET')}@127.0.0.1:${secured.port}`,
        ignoreTLS: true,
      });
      await good.send(message());
      good.close();
      expect(secured.received).toHaveLength(1);
      const bad = new SmtpEmailSender({
        url: `smtp://bot:wrong-SECRET@127.0.0.1:${secured.port}`,
        ignoreTLS: true,
      });
      const err = await failure(bad.send(message()));
      bad.close();
      expect(err.message).toMatch(
        /^SmtpEmailSender: sending <ownercost\.2026-W12\.[0-9a-f]+@example\.com> via 127\.0\.0\.1 failed/,
      );
      expect(err.message).not.toContain('wrong-SECRET');
    } finally {
      await secured.close();
    }
  });

  it('refuses a URL that is not smtp or smtps', () => {
    expect(() => new SmtpEmailSender({ url: 'http://mail.example.com' })).toThrow(/smtp:\/\/ or smtps:\/\//);
  });
});

describe('SesEmailSender', () => {
  it('sends the same MIME message as Content.Raw through SES v2 SendEmail', async () => {
    const ses = await startServer((req) => {
      if (req.method === 'POST' && req.path === '/v2/email/outbound-emails')
        return { json: { MessageId: '0100018e-ses-id' } };
      return { status: 404, json: { message: 'no route' } };
    });
    try {
      const client = new SESv2Client({
        endpoint: ses.url,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'SECRET' },
      });
      const sender = new SesEmailSender({ client, configurationSetName: 'ownercost' });
      const sent = await sender.send(message(), { date: new Date('2026-03-23T07:00:00Z') });
      sender.close();
      expect(sent).toEqual({ messageId: message().messageId, providerId: '0100018e-ses-id' });
      const body = ses.requests[0]?.body as {
        FromEmailAddress: string;
        Destination: { ToAddresses: string[] };
        Content: { Raw: { Data: string } };
        ConfigurationSetName: string;
      };
      expect(body.FromEmailAddress).toBe('finops@example.com');
      expect(body.Destination.ToAddresses).toEqual(['ml-leads@example.com', 'cto@example.com']);
      expect(body.ConfigurationSetName).toBe('ownercost');
      const mail = await simpleParser(Buffer.from(body.Content.Raw.Data, 'base64'));
      expect(mail.messageId).toBe(message().messageId);
      expect(mail.attachments[0]?.content.toString('utf8')).toBe(csv);
      expect(headerLine(mail, 'list-unsubscribe-post')).toBe(
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      );
    } finally {
      await ses.close();
    }
  });

  it('reports an SES rejection with its status', async () => {
    const ses = await startServer(() => ({
      status: 400,
      headers: { 'x-amzn-errortype': 'MessageRejected' },
      json: { message: 'Email address is not verified.' },
    }));
    try {
      const client = new SESv2Client({
        endpoint: ses.url,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'SECRET' },
        maxAttempts: 1,
      });
      const err = await failure(new SesEmailSender({ client }).send(message()));
      expect(err.message).toMatch(/^SesEmailSender: SendEmail for <ownercost\..*> failed: HTTP 400/);
      expect(err.message).toContain('not verified');
    } finally {
      await ses.close();
    }
  });
});
