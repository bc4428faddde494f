// The commit the binaries were built from, as --version prints it and /metrics exposes it
// (gateway_build_info): what a bench report or a bug names, so both must say the same.
// Node's built-ins and stack.mjs only (no SDK).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { binary, startStack, stopStack, tails } from './stack.mjs';

// `<bin> --version`: exit 0 and one line "<name> <version>"; returns the version.
function versionOf(envName, name) {
  const run = spawnSync(binary(envName, name), ['--version'], { encoding: 'utf8', timeout: 10000 });
  assert.equal(run.status, 0, `${name} --version: exit ${run.status}, stderr ${run.stderr}`);
  const line = /^(\S+) (\S+)\n$/.exec(run.stdout);
  assert.ok(line, `${name} --version printed ${JSON.stringify(run.stdout)}`);
  assert.equal(line[1], name);
  return line[2];
}

describe('the build the binaries name', () => {
  let stack = null;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    if (stack) await stopStack(stack);
  });

  it('--version names the build, and /metrics says the same in gateway_build_info', async () => {
    const version = versionOf('GATEWAY_BIN', 'claude-gateway');
    assert.equal(versionOf('FAKE_BIN', 'fake-messages-api'), version, 'one build, one version');

    const r = await fetch(`${stack.gatewayURL}/metrics`);
    const text = await r.text();
    assert.equal(r.status, 200, text);
    assert.ok(text.includes('# TYPE gateway_build_info gauge\n'), `${text}\n${tails(stack)}`);
    assert.ok(text.includes(`\ngateway_build_info{version="${version}"} 1\n`),
      `no gateway_build_info{version="${version}"} 1 in\n${text}`);
  });
});
