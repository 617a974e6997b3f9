/**
 * An extension newer than the installed app: what a person sees when the extension store has
 * updated kyso and the app on the machine is still the previous release. The older app is today's
 * host built with the previous protocol number (the only thing a release changes that the
 * handshake compares), registered for the profile as an installed app is; the extension, the SDK
 * and the demo portal are today's.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rolldown } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { HOST_DOWNLOAD_URL } from '../../extension/src/options/host-advice.js';
import { hostManifest, serializeManifest } from '../../native-host/src/install/manifest.js';
import { CHROMIUM_EXTENSION_ID } from '../../shared/identity.js';
import { NATIVE_HOST_NAME, PROTOCOL_VERSION } from '../../shared/version.js';
import { enableDeveloperMode, launchChromium, type ChromiumSession } from '../support/browser.js';
import { KYSO_DIR } from '../support/paths.js';
import { sdkCall, sdkOutcome } from '../support/sdk-call.js';
import { copyTestToken, type TestToken } from '../support/token.js';

const OLDER_PROTOCOL = PROTOCOL_VERSION - 1;

/** The host (dist/node, npm run build:host) bundled as a release that speaks `protocol`. */
async function bundleHostSpeaking(protocol: number, outFile: string): Promise<void> {
  const bundle = await rolldown({
    input: 'dist/node/native-host/src/main.js',
    platform: 'node',
    external: ['pkcs11js'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'older-protocol',
        transform(code, id) {
          if (!id.endsWith(path.join('dist', 'node', 'shared', 'version.js'))) return null;
          const declaration = /PROTOCOL_VERSION = \d+;/;
          if (!declaration.test(code)) throw new Error('PROTOCOL_VERSION not found in shared/version.js');
          return code.replace(declaration, `PROTOCOL_VERSION = ${protocol};`);
        },
      },
    ],
  });
  await bundle.write({ file: outFile, format: 'esm', codeSplitting: false });
  await bundle.close();
}

describe('the app on the machine is older than the extension', () => {
  // Inside the checkout (gitignored .kyso/) so the bundle finds node_modules as dist/host does.
  const dir = path.join(KYSO_DIR, `older-host-${process.pid}`);
  let token: TestToken;
  let demo: DemoServer;
  let session: ChromiumSession;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    const script = path.join(dir, 'kyso-host.js');
    await bundleHostSpeaking(OLDER_PROTOCOL, script);
    token = copyTestToken();
    const launcher = path.join(dir, 'kyso-host.sh');
    const env = Object.entries(token.env).map(([k, v]) => `${k}='${v}'`);
    writeFileSync(launcher, `#!/bin/sh\nexec env ${env.join(' ')} '${process.execPath}' '${script}' "$@"\n`, {
      mode: 0o755,
    });
    demo = await startDemoServer({ trustedRoots: [] });
    session = await launchChromium((profile) => {
      mkdirSync(path.join(profile, 'NativeMessagingHosts'));
      writeFileSync(
        path.join(profile, 'NativeMessagingHosts', `${NATIVE_HOST_NAME}.json`),
        serializeManifest(hostManifest('chromium', { hostPath: launcher })),
      );
    });
    await enableDeveloperMode(session.browser);
  });
  afterAll(async () => {
    await session?.close();
    await demo?.close();
    token?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the portal’s detect() says an update is needed and the error names the app; the portal says so', async () => {
    const page = await session.browser.newPage();
    await page.goto(`${demo.url}?lang=en`);
    await page.waitForSelector('#kyso-state[data-state="update-needed"]', { timeout: 30_000 });
    expect(await page.$eval('#kyso-state', (el) => (el as HTMLElement).innerText)).toContain(
      'Update the kyso app on this computer',
    );
    await sdkCall(page, 'status');
    expect(await sdkOutcome(page)).toMatchObject({
      ok: false,
      code: 'VERSION_MISMATCH',
      details: { update: 'host', hostProtocol: OLDER_PROTOCOL, extensionProtocol: PROTOCOL_VERSION },
    });
    await page.close();
  });

  it('the toolbar popup says the app is older and links to its download', async () => {
    const popup = await session.browser.newPage();
    await popup.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/src/options/options.html`);
    await popup.waitForSelector('#host-advice:not([hidden])', { visible: true, timeout: 30_000 });
    const advice = await popup.$eval('#host-advice-text', (el) => (el as HTMLElement).innerText);
    // the popup follows the browser's language (Vietnamese or English)
    expect(advice).toMatch(/The kyso app is older than this extension|Ứng dụng kyso cũ hơn tiện ích/);
    const link = await popup.$eval('#host-download', (el) => ({
      href: (el as HTMLAnchorElement).href,
      shown: (el as HTMLElement).offsetHeight > 0,
    }));
    expect(link).toEqual({ href: HOST_DOWNLOAD_URL, shown: true });
    await popup.close();
  });
});
