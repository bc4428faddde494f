// A session turn uploaded with the real `curl -F` against the real gateway binary (API.md,
// Vision): the form curl writes (its boundary, its part headers, Expect: 100-continue for a
// large file) is read, the image reaches upstream intact and the history holds it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { promisify } from 'node:util';

import { apiRequests, call, useStack } from './harness.mjs';

const run = promisify(execFile);

// The 1x1 PNG of messages-api-reference.md section 3.5.
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64');

// A PNG header for width x height, followed by `extra` bytes: what is read of an image
// (its dimensions) is right, and its size is whatever the test needs.
function pngOf(width, height, extra) {
  const head = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(head, 0);
  head.writeUInt32BE(13, 8);
  head.write('IHDR', 12, 'latin1');
  head.writeUInt32BE(width, 16);
  head.writeUInt32BE(height, 20);
  Buffer.from([8, 2, 0, 0, 0]).copy(head, 24);
  return Buffer.concat([head, Buffer.alloc(extra, 0x2d)]);  // '-' bytes, as in "--boundary"
}

// curl's answer: { status, json }. -F makes the multipart body; nothing else is set by hand.
async function curlForm(stack, id, fields) {
  const args = ['-sS', '-o', '-', '-w', '\n%{http_code}'];
  for (const f of fields) args.push('-F', f);
  args.push(`${stack.gatewayURL}/gateway/v1/sessions/${id}/messages`);
  const { stdout } = await run('curl', args, { maxBuffer: 16 * 1024 * 1024 });
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), json: JSON.parse(stdout.slice(0, cut)) };
}

describe('multipart turns from curl -F', () => {
  const ctx = useStack();

  ctx.test('a photo and a question', async (stack) => {
    const photo = path.join(stack.dir, 'photo.png');
    writeFileSync(photo, PNG_1X1);
    const session = await call(stack, 'POST', '/gateway/v1/sessions', {});
    assert.equal(session.status, 201, session.text);
    const id = session.json.id;

    const r = await curlForm(stack, id, ['content=What is this?', `image=@${photo}`,
      'max_tokens=50']);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    // The fake describes the bytes it received: type, size, digest.
    const digest = createHash('sha256').update(PNG_1X1).digest('hex').slice(0, 12);
    assert.ok(r.json.completion.includes(
      `[image image/png 1x1, ${PNG_1X1.length} bytes, sha256 ${digest}]`), r.json.completion);

    const sent = (await apiRequests(stack)).map((q) => JSON.parse(q.body));
    assert.equal(sent.length, 1);
    assert.equal(sent[0].max_tokens, 50);
    const stored = await call(stack, 'GET', `/gateway/v1/sessions/${id}`);
    const content = stored.json.messages[0].content;
    assert.deepEqual(content[0].source,
      { type: 'base64', media_type: 'image/png', data: PNG_1X1.toString('base64') });
    assert.equal(content[1].text, 'What is this?');
  });

  ctx.test('a large photo (Expect: 100-continue, decoded off the I/O thread)', async (stack) => {
    const photo = path.join(stack.dir, 'large.png');
    writeFileSync(photo, pngOf(640, 480, 2 * 1024 * 1024));
    const session = await call(stack, 'POST', '/gateway/v1/sessions', {});
    const r = await curlForm(stack, session.json.id, [`image=@${photo}`, 'content=And this?']);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.match(r.json.completion, /\[image image\/png 640x480, 2097\d{3} bytes, sha256 [0-9a-f]{12}\]/);
  });

  ctx.test('a mislabelled photo is refused in upstream\'s words', async (stack) => {
    const photo = path.join(stack.dir, 'photo.png');
    writeFileSync(photo, PNG_1X1);
    const session = await call(stack, 'POST', '/gateway/v1/sessions', {});
    const r = await curlForm(stack, session.json.id,
      ['content=What is this?', `image=@${photo};type=image/jpeg`]);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.type, 'invalid_request_error');
    assert.equal(r.json.error.message,
      'content.0.image.source.base64.data: Image does not match the provided media type image/jpeg');
    assert.equal((await apiRequests(stack)).length, 0);
  });
});
