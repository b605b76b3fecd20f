/**
 * EmailSender over SMTP (nodemailer, from a URL like `smtp://user:pass@host:587`) and over
 * Amazon SES v2 (`SendEmailCommand` with `Content.Raw`, the MIME built by nodemailer's
 * MailComposer: the same bytes `composeRaw` writes for a dry run). nodemailer 10's own SES
 * transport also speaks SES v2, but composing ourselves keeps one MIME builder for every path.
 * Note that SES may replace the Message-ID header with its own; the ledger keeps both ids.
 */
import { SESv2Client, type SESv2ClientConfig, SendEmailCommand } from '@aws-sdk/client-sesv2';
import nodemailer from 'nodemailer';
import MailComposer, { type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import { mailboxAddress } from '../../core/delivery/email.js';
import type { EmailMessage, EmailSender, EmailSent } from '../../core/delivery/ports.js';
import { DeliveryError, reasonOf, redact, statusOf } from './errors.js';

/** nodemailer/MailComposer options for a message; no file or URL access from content. */
export function mailOptions(message: EmailMessage, date?: Date): MailComposerOptions {
  const headers: Record<string, { prepared: true; value: string } | string> = {};
  for (const [k, v] of Object.entries(message.headers)) {
    // List-Unsubscribe holds <URI> lists that must reach the wire as they are.
    headers[k] = /^List-/i.test(k) ? { prepared: true, value: v.replace(/[\r\n]+/g, ' ') } : v;
  }
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    ...(date ? { date } : {}),
    headers,
    attachments: message.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
    })),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** The full RFC 5322 message (what an SMTP server or SES receives, and `email.eml` in a dry run). */
export async function composeRaw(message: EmailMessage, date?: Date): Promise<Buffer> {
  return new MailComposer(mailOptions(message, date)).compile().build();
}

export interface SmtpOptions {
  /** `smtp://[user:pass@]host[:port]` (STARTTLS when offered) or `smtps://…` (TLS from the start). */
  url: string;
  /** Never upgrade with STARTTLS (local test servers only). */
  ignoreTLS?: boolean;
  /** Refuse to send unless STARTTLS succeeds (recommended with `smtp://` and credentials). */
  requireTLS?: boolean;
  timeoutMs?: number;
}

export class SmtpEmailSender implements EmailSender {
  private readonly transport: ReturnType<typeof nodemailer.createTransport>;
  private readonly secrets: string[];
  private readonly host: string;

  constructor(options: SmtpOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new DeliveryError(
        'SmtpEmailSender: delivery.email.url is not a URL such as smtp://user:pass@host:587',
      );
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw new DeliveryError(
        `SmtpEmailSender: delivery.email.url must be smtp:// or smtps://, not ${url.protocol}//`,
      );
    }
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    this.secrets = [pass, url.password];
    this.host = url.hostname;
    const timeout = options.timeoutMs ?? 30_000;
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
      secure: url.protocol === 'smtps:',
      ...(user || pass ? { auth: { user, pass } } : {}),
      ...(options.ignoreTLS ? { ignoreTLS: true } : {}),
      ...(options.requireTLS ? { requireTLS: true } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(message: EmailMessage, options?: { date?: Date }): Promise<EmailSent> {
    try {
      const info = await this.transport.sendMail(mailOptions(message, options?.date));
      if (info.rejected.length > 0 && info.accepted.length === 0) {
        throw new Error(`every recipient was rejected`);
      }
      return { messageId: info.messageId || message.messageId, providerId: info.response };
    } catch (err) {
      const reason = redact(reasonOf(err), this.secrets);
      throw new DeliveryError(
        `SmtpEmailSender: sending ${message.messageId} via ${this.host} failed: ${reason}`,
        statusOf(err) === undefined ? {} : { status: statusOf(err) as number },
      );
    }
  }

  close(): void {
    this.transport.close();
  }
}

export interface SesOptions {
  /** A configured client; otherwise one is made from `clientConfig` (region, endpoint, credentials). */
  client?: SESv2Client;
  clientConfig?: SESv2ClientConfig;
  configurationSetName?: string;
}

export class SesEmailSender implements EmailSender {
  private readonly client: SESv2Client;

  constructor(private readonly options: SesOptions = {}) {
    this.client = options.client ?? new SESv2Client(options.clientConfig ?? {});
  }

  async send(message: EmailMessage, options?: { date?: Date }): Promise<EmailSent> {
    try {
      const raw = await composeRaw(message, options?.date);
      const res = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: mailboxAddress(message.from) ?? message.from,
          Destination: { ToAddresses: message.to },
          Content: { Raw: { Data: raw } },
          ...(this.options.configurationSetName
            ? { ConfigurationSetName: this.options.configurationSetName }
            : {}),
        }),
      );
      return { messageId: message.messageId, ...(res.MessageId ? { providerId: res.MessageId } : {}) };
    } catch (err) {
      const status = statusOf(err);
      throw new DeliveryError(
        `SesEmailSender: SendEmail for ${message.messageId} failed: ${reasonOf(err)}`,
        status === undefined ? {} : { status },
      );
    }
  }

  close(): void {
    this.client.destroy();
  }
}
