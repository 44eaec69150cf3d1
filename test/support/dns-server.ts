import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import ipaddr from 'ipaddr.js';

/** The records a test gives one name; a type left out answers with no records (NODATA). */
export interface DnsRecords {
  A?: string[];
  AAAA?: string[];
  CNAME?: string[];
  MX?: { priority: number; exchange: string }[];
  /** Each record is a list of character strings, as on the wire. */
  TXT?: string[][];
  NS?: string[];
}

/** How a name is answered: its records, SERVFAIL, or not at all (the client times out). */
export type DnsNameMode = { records: DnsRecords } | 'servfail' | 'silent';

const TYPE_CODES = { A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 } as const;
type RecordType = keyof typeof TYPE_CODES;
const RCODE = { noError: 0, serverFailure: 2, nameError: 3 } as const;
const HEADER_BYTES = 12;

/**
 * A minimal authoritative DNS server on 127.0.0.1 UDP for tests: it answers A, AAAA, CNAME, MX,
 * TXT and NS questions for the names a test sets, NXDOMAIN for any other name, SERVFAIL or
 * silence where told. One question per query, no compression but the answer's pointer to it.
 */
export class TestDnsServer {
  readonly names = new Map<string, DnsNameMode>();
  /** Questions received, as `TYPE name`. */
  readonly queries: string[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
  ) {
    socket.on('message', (query, peer) => this.answer(query, peer));
  }

  static async start(): Promise<TestDnsServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address() as AddressInfo;
    return new TestDnsServer(socket, `127.0.0.1:${port}`);
  }

  set(name: string, mode: DnsNameMode): this {
    this.names.set(name.toLowerCase(), mode);
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer, peer: RemoteInfo): void {
    const question = readQuestion(query);
    if (!question) return;
    const typeName = typeNameOf(question.type);
    this.queries.push(`${typeName ?? question.type} ${question.name}`);
    const mode = this.names.get(question.name.toLowerCase());
    if (mode === 'silent') return;
    const reply =
      mode === undefined
        ? response(query, question.end, RCODE.nameError, [])
        : mode === 'servfail'
          ? response(query, question.end, RCODE.serverFailure, [])
          : response(query, question.end, RCODE.noError, answersOf(mode.records, typeName));
    this.socket.send(reply, peer.port, peer.address);
  }
}

function readQuestion(query: Buffer): { name: string; type: number; end: number } | null {
  if (query.length < HEADER_BYTES + 5 || query.readUInt16BE(4) !== 1) return null;
  const labels: string[] = [];
  let offset = HEADER_BYTES;
  while (offset < query.length && query[offset] !== 0) {
    const length = query[offset]!;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString('latin1'));
    offset += 1 + length;
  }
  const type = query.readUInt16BE(offset + 1);
  return { name: labels.join('.'), type, end: offset + 5 };
}

function typeNameOf(code: number): RecordType | undefined {
  return (Object.keys(TYPE_CODES) as RecordType[]).find((name) => TYPE_CODES[name] === code);
}

/** Each answer as [type code, rdata]. */
function answersOf(records: DnsRecords, type: RecordType | undefined): [number, Buffer][] {
  switch (type) {
    case 'A':
    case 'AAAA':
      return (records[type] ?? []).map((ip) => [
        TYPE_CODES[type],
        Buffer.from(ipaddr.parse(ip).toByteArray()),
      ]);
    case 'CNAME':
    case 'NS':
      return (records[type] ?? []).map((name) => [TYPE_CODES[type], encodeName(name)]);
    case 'MX':
      return (records.MX ?? []).map(({ priority, exchange }) => {
        const preference = Buffer.alloc(2);
        preference.writeUInt16BE(priority);
        return [TYPE_CODES.MX, Buffer.concat([preference, encodeName(exchange)])];
      });
    case 'TXT':
      return (records.TXT ?? []).map((strings) => [
        TYPE_CODES.TXT,
        Buffer.concat(strings.map((s) => Buffer.concat([Buffer.of(s.length), Buffer.from(s)]))),
      ]);
    default:
      return [];
  }
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  return Buffer.concat([
    ...labels.map((label) => Buffer.concat([Buffer.of(label.length), Buffer.from(label)])),
    Buffer.of(0),
  ]);
}

/** The query's header and question, turned into a response with `answers` (no EDNS record). */
function response(
  query: Buffer,
  questionEnd: number,
  rcode: number,
  answers: [number, Buffer][],
): Buffer {
  const header = Buffer.from(query.subarray(0, HEADER_BYTES));
  const recursionDesired = query[2]! & 0x01;
  header[2] = 0x84 | recursionDesired; // QR, AA, RD as asked
  header[3] = 0x80 | rcode; // RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  const records = answers.map(([type, rdata]) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    fixed.writeUInt16BE(type, 2);
    fixed.writeUInt16BE(1, 4); // class IN
    fixed.writeUInt32BE(60, 6); // TTL
    fixed.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([fixed, rdata]);
  });
  return Buffer.concat([header, query.subarray(HEADER_BYTES, questionEnd), ...records]);
}
