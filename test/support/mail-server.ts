import { type ParsedMail, simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface MailServer {
  port: number;
  /** Every message accepted, in order, parsed. */
  messages: Promise<ParsedMail>[];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 that keeps every message it accepts. */
export async function startMailServer(options: SMTPServerOptions = {}): Promise<MailServer> {
  const messages: Promise<ParsedMail>[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // The client closes its pool first; this only bounds a test that failed half-way.
    closeTimeout: 1000,
    onData(stream, _session, callback) {
      messages.push(simpleParser(stream));
      stream.on('end', () => callback());
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
