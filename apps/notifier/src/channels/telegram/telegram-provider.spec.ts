import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeliveryError, validateChannelConfig } from '../channel-provider';
import { type ReceivedRequest, type Receiver, sampleAlert, startReceiver } from '../test-support';
import { type TelegramSendMessage, TelegramProvider, telegramMessage } from './telegram-provider';

const BOT_TOKEN = '123456789:AAF-s3cr3tT0kenValue_abcdefghijklmn';
const CHAT_ID = '-1001234567890';
/** Validation alone opens no connection: one provider serves every spec. */
const validator = new TelegramProvider();

/**
 * Stands in for api.telegram.org: `POST /bot<token>/sendMessage` with `chat_id` and `text`;
 * `{ ok: true, result }` for the known bot and chat, 401 for another token, 400 `chat not found`
 * for another chat, 400 for HTML it cannot parse (an unescaped `<`), and a 429 whose body has
 * `parameters.retry_after`, as the Bot API documents.
 */
function telegramAnswer(req: ReceivedRequest): {
  status: number;
  body: string;
  headers: Record<string, string>;
} {
  const headers = { 'content-type': 'application/json' };
  const error = (status: number, description: string, extra = {}) => ({
    status,
    headers,
    body: JSON.stringify({ ok: false, error_code: status, description, ...extra }),
  });
  if (req.path !== `/bot${BOT_TOKEN}/sendMessage`) return error(401, 'Unauthorized');
  const message = JSON.parse(req.body) as Partial<TelegramSendMessage>;
  if (message.chat_id === '-1009')
    return error(429, 'Too Many Requests: retry after 4', { parameters: { retry_after: 4 } });
  if (message.chat_id !== CHAT_ID) return error(400, 'Bad Request: chat not found');
  if (typeof message.text !== 'string' || message.text.length > 4096)
    return error(400, 'Bad Request: message is too long');
  const tags = message.text.replace(/<\/?(b|a)( href="[^"<>]*")?>/g, '');
  if (message.parse_mode === 'HTML' && /[<>]/.test(tags))
    return error(400, "Bad Request: can't parse entities");
  return { status: 200, headers, body: JSON.stringify({ ok: true, result: { message_id: 1 } }) };
}

describe('TelegramProvider.send', () => {
  let receiver: Receiver;
  let provider: TelegramProvider;

  before(async () => {
    receiver = await startReceiver(telegramAnswer);
    // TELEGRAM_API_URL: the operator's, pointed at a local stand-in.
    provider = new TelegramProvider({ timeoutMs: 2000, apiUrl: receiver.url });
  });
  after(async () => {
    await provider.close();
    await receiver.close();
  });

  it('should call sendMessage of the bot with the chat id and escaped HTML', async () => {
    const monitor = {
      id: 'm',
      name: 'Checkout <API> & "co"',
      url: 'https://api.example.com/?a=1&b=2',
    };
    await provider.send(
      validConfig({ botToken: BOT_TOKEN, chatId: CHAT_ID }),
      sampleAlert({ monitor }),
    );
    const request = receiver.requests.at(-1);
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, `/bot${BOT_TOKEN}/sendMessage`);
    assert.equal(request.headers['content-type'], 'application/json');
    const sent = JSON.parse(request.body) as TelegramSendMessage;
    assert.equal(sent.chat_id, CHAT_ID);
    assert.equal(sent.parse_mode, 'HTML');
    assert.equal(sent.disable_web_page_preview, true);
    const lines = sent.text.split('\n');
    assert.equal(lines[0], '<b>[DOWN] Checkout &lt;API&gt; &amp; &quot;co&quot; is down</b>');
    assert.ok(lines.includes('<b>Cause:</b> HTTP status 503, expected 200-299'));
    assert.ok(lines.includes('<b>URL:</b> https://api.example.com/?a=1&amp;b=2'));
    assert.equal(lines.at(-1), `<a href="${sampleAlert().monitorLink}">Open monitor</a>`);
  });

  it('should accept a numeric chat id and send it as the Bot API takes it', async () => {
    await provider.send(
      validConfig({ botToken: BOT_TOKEN, chatId: -1001234567890 }),
      sampleAlert(),
    );
    assert.equal(
      (JSON.parse(receiver.requests.at(-1)!.body) as TelegramSendMessage).chat_id,
      CHAT_ID,
    );
  });

  it('should never put the bot token into an error, whatever went wrong', async () => {
    const cases: [Record<string, unknown>, number, boolean][] = [
      [{ botToken: '987654321:AAF-an0therT0kenValue_abcdefghijklm', chatId: CHAT_ID }, 401, false],
      [{ botToken: BOT_TOKEN, chatId: '-1002' }, 400, false],
      [{ botToken: BOT_TOKEN, chatId: '-1009' }, 429, true],
    ];
    for (const [config, status, retryable] of cases) {
      const valid = validConfig(config);
      await assert.rejects(provider.send(valid, sampleAlert()), (err: unknown) => {
        assert.ok(err instanceof DeliveryError);
        assert.equal(err.status, status);
        assert.equal(err.retryable, retryable);
        assert.ok(!err.message.includes(valid.botToken), err.message);
        assert.ok(!err.message.includes(valid.botToken.split(':')[1]!), err.message);
        return true;
      });
    }
    const limited = validConfig({ botToken: BOT_TOKEN, chatId: '-1009' });
    await assert.rejects(provider.send(limited, sampleAlert()), (err: unknown) => {
      assert.ok(err instanceof DeliveryError);
      assert.equal(err.retryAfterMs, 4000);
      return true;
    });
  });

  it('should name the bot API, never the token, when it cannot be reached', async () => {
    const closed = await startReceiver();
    const url = closed.url;
    await closed.close();
    const unreachable = new TelegramProvider({ timeoutMs: 2000, apiUrl: url });
    try {
      await assert.rejects(
        unreachable.send(validConfig({ botToken: BOT_TOKEN, chatId: CHAT_ID }), sampleAlert()),
        (err: unknown) => {
          assert.ok(err instanceof DeliveryError);
          assert.equal(err.retryable, true);
          assert.match(err.message, /^Telegram could not be reached/);
          assert.ok(!err.message.includes('s3cr3tT0kenValue'));
          return true;
        },
      );
    } finally {
      await unreachable.close();
    }
  });
});

describe('telegramMessage', () => {
  it('should stay within 4096 characters and cut only at whole lines', () => {
    const name = '<'.repeat(4000);
    const config = validConfig({ botToken: BOT_TOKEN, chatId: CHAT_ID });
    const { text } = telegramMessage(
      config,
      sampleAlert({ monitor: { id: 'm', name, url: 'https://a.test' } }),
    );
    assert.ok(text.length <= 4096, `${text.length}`);
    assert.ok(!/&[a-z]*$/.test(text), 'no entity is cut');
  });
});

describe('TelegramProvider config', () => {
  const cases: [string, unknown, string[]][] = [
    ['a token and a chat id', { botToken: BOT_TOKEN, chatId: CHAT_ID }, []],
    ['a channel username', { botToken: BOT_TOKEN, chatId: '@uptime_alerts' }, []],
    [
      'a token without its id',
      { botToken: 'AAF-s3cr3tT0kenValue_abcdefghijklmn', chatId: CHAT_ID },
      ['config.botToken'],
    ],
    [
      'a token with a path in it',
      { botToken: '1:../../evil/abcdefghijklmnopqrstuvwxyz012', chatId: CHAT_ID },
      ['config.botToken'],
    ],
    ['a chat id that is a word', { botToken: BOT_TOKEN, chatId: 'ops' }, ['config.chatId']],
    ['no chat id', { botToken: BOT_TOKEN }, ['config.chatId']],
    [
      'an API URL of its own',
      { botToken: BOT_TOKEN, chatId: CHAT_ID, apiUrl: 'http://127.0.0.1' },
      ['config.apiUrl'],
    ],
  ];
  for (const [what, config, fields] of cases) {
    it(`should ${fields.length ? `reject ${what}, naming ${fields.join(', ')}` : `accept ${what}`}`, () => {
      const result = validateChannelConfig(validator, config);
      assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.field), fields);
    });
  }

  it('should show the chat id, never the token', () => {
    assert.deepEqual(validator.redact(validConfig({ botToken: BOT_TOKEN, chatId: CHAT_ID })), {
      chatId: CHAT_ID,
    });
  });
});

function validConfig(config: unknown) {
  const result = validateChannelConfig(validator, config);
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}
