/**
 * The Linux release as a user gets it: `npm run package`'s .deb installed with dpkg into a root
 * with no Node and no checkout (package-root.ts), then the installed `kyso`, `kyso-host doctor`
 * and a signature on the demo portal in Chromium with the released extension zip and the installed
 * host only; a broken addon, an upgrade that keeps settings, a corrupted package, and a purge that
 * leaves no kyso file. Two builds are compared byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemCertificates, startDemoServer, type DemoServer } from '../../demo/server.js';
import { KYSO_VERSION } from '../../shared/version.js';
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import { HOST_DOWNLOAD_URL } from '../../extension/src/options/host-advice.js';
import {
  CHROMIUM,
  QUIET_FLAGS,
  clickClosingWindow,
  consentWindowAfter,
  enableDeveloperMode,
} from '../support/browser.js';
import { localhostTls, opensslCmsVerify } from '../support/openssl.js';
import { makeNssDb, pdfsig, pdftotext } from '../support/pdf-tools.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { lintExtensionPackage } from '../../scripts/package/lint.js';
import { LINUX_POLICY_LOCATIONS } from '../../scripts/package/policies.js';
import { REPO_ROOT, SOFTHSM_MODULE, TOKEN_PIN } from '../support/paths.js';
import { copyTestToken } from '../support/token.js';
import { PackageRoot } from './package-root.js';
import { signInConsent } from '../support/consent.js';

const DEB = `kyso_${KYSO_VERSION}_amd64.deb`;
const TARBALL = `kyso-${KYSO_VERSION}-linux-x64.tar.gz`;

/** Runs `npm run package`'s build (dist/ must be built) into `out`. */
function buildPackages(out: string, env: Record<string, string> = {}): void {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'dist/node/scripts/package/build.js')], {
    cwd: REPO_ROOT,
    env: { ...process.env, KYSO_PACKAGE_OUT: out, ...env },
    stdio: 'pipe',
  });
}

const listing = (dir: string): string[] =>
  execFileSync('find', ['.', '-printf', '%p %m %s %l\n'], { cwd: dir, encoding: 'utf8' }).split('\n').sort();

describe('the .deb, installed on a system with no Node and no checkout', () => {
  const out = path.join(tmpdir(), `kyso-package-${process.pid}`);
  let root: PackageRoot;
  let token: { dir: string; env: Record<string, string> };
  let before: string[];
  let extension: string;

  beforeAll(() => {
    buildPackages(out);
    root = new PackageRoot();
    extension = path.join(root.shared, 'extension');
    // The test token, at a path that is the same inside the root and out.
    const copy = copyTestToken(path.join(root.shared, 'token'));
    token = { dir: copy.dir, env: { SOFTHSM2_CONF: copy.conf, KYSO_PKCS11_MODULES: SOFTHSM_MODULE } };
    cpSync(path.join(out, DEB), path.join(root.shared, DEB));
    mkdirSync(extension);
    execFileSync('unzip', ['-q', path.join(out, `kyso-${KYSO_VERSION}-chrome.zip`), '-d', extension]);
    before = root.changes();
  });

  /** Chromium started inside the root, with the released extension zip unpacked and a fresh profile. */
  async function launchReleasedChromium(profile: string): Promise<Browser> {
    return puppeteer.launch({
      executablePath: root.launcher('chromium', CHROMIUM, token.env),
      userDataDir: path.join(root.shared, profile),
      headless: true,
      ignoreDefaultArgs: ['--disable-extensions'],
      args: [...QUIET_FLAGS, `--disable-extensions-except=${extension}`, `--load-extension=${extension}`],
      protocolTimeout: 60_000,
    });
  }
  afterAll(() => {
    root?.remove();
    rmSync(out, { recursive: true, force: true });
  });

  it('the root has no Node and no checkout', () => {
    expect(root.run(['sh', '-c', 'command -v node nodejs npm']).status).not.toBe(0);
    expect(root.run(['test', '-e', REPO_ROOT]).status).not.toBe(0);
  });

  it('the package declares what it needs and installs the program, its addon, its font and every browser registration', () => {
    const info = execFileSync('dpkg-deb', ['--info', path.join(out, DEB)], { encoding: 'utf8' });
    expect(info).toMatch(/Depends: libc6 \(>= 2\.34\), libstdc\+\+6 \(>= 9\), libgcc-s1\n/);
    const files = execFileSync('dpkg-deb', ['--contents', path.join(out, DEB)], { encoding: 'utf8' });
    for (const file of [
      './opt/kyso/kyso-host',
      './opt/kyso/lib/pkcs11js/build/Release/pkcs11.node',
      './opt/kyso/fonts/LiberationSerif-Regular.ttf',
      './usr/bin/kyso -> /opt/kyso/kyso-host',
      './etc/opt/chrome/native-messaging-hosts/vn.kyso.host.json',
      './etc/chromium/native-messaging-hosts/vn.kyso.host.json',
      './etc/opt/edge/native-messaging-hosts/vn.kyso.host.json',
      './usr/lib/mozilla/native-messaging-hosts/vn.kyso.host.json',
    ]) {
      expect(files).toContain(file);
    }
    // every file belongs to root
    expect(
      files
        .split('\n')
        .filter(Boolean)
        .every((line) => line.includes(' root/root ')),
    ).toBe(true);
  });

  it('before the app is installed, the extension’s popup says so and links to the download', async () => {
    const browser = await launchReleasedChromium('profile-first-run');
    try {
      const popup = await browser.newPage();
      await popup.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/src/options/options.html`);
      await popup.waitForSelector('#host-advice:not([hidden])', { visible: true, timeout: 30_000 });
      expect(await popup.$eval('#host-advice-text', (el) => (el as HTMLElement).innerText)).toContain(
        'The kyso app is not installed on this computer',
      );
      const link = await popup.$eval('#host-download', (el) => ({
        text: (el as HTMLElement).innerText,
        href: (el as HTMLAnchorElement).href,
        shown: (el as HTMLElement).offsetHeight > 0,
      }));
      expect(link).toEqual({ text: 'Download the kyso app', href: HOST_DOWNLOAD_URL, shown: true });
    } finally {
      await browser.close();
    }
  });

  it('dpkg installs it; kyso --version says version, commit and build date', () => {
    const install = root.run(['dpkg', '-i', path.join(root.shared, DEB)]);
    expect(install.stderr).toBe('');
    expect(install.status).toBe(0);
    const version = root.run(['kyso', '--version']);
    expect(version.stdout).toMatch(
      new RegExp(
        `^kyso ${KYSO_VERSION.replace(/\./g, '\\.')} \\(commit [0-9a-f]{12}(-dirty)?, built \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    for (const manifest of [
      '/etc/chromium/native-messaging-hosts/vn.kyso.host.json',
      '/usr/lib/mozilla/native-messaging-hosts/vn.kyso.host.json',
    ]) {
      expect(JSON.parse(root.run(['cat', manifest]).stdout).path).toBe('/opt/kyso/kyso-host');
    }
  });

  it('kyso-host doctor finds the token and the registered host and says ready to sign', () => {
    const doctor = root.run(['kyso-host', 'doctor'], token.env);
    expect(doctor.stdout).toContain('✓ Công ty TNHH Ký Số Việt');
    expect(doctor.stdout).toMatch(
      /chromium: \/etc\/chromium\/native-messaging-hosts\/vn\.kyso\.host\.json ✓ host answers/,
    );
    expect(doctor.stdout).toMatch(
      /firefox: \/usr\/lib\/mozilla\/native-messaging-hosts\/vn\.kyso\.host\.json ✓ host answers/,
    );
    expect(doctor.stdout).toContain('Verdict: ✓');
    expect(doctor.status).toBe(0);
  });

  it('the installed kyso signs a PDF with the Decree 30 stamp in the font installed beside it (/opt/kyso/fonts)', async () => {
    writeFileSync(path.join(root.shared, 'to-khai.pdf'), await onePagePdf('To khai thue'));
    const sign = (out: string) =>
      root.run(
        [
          'kyso',
          'sign',
          '--in',
          path.join(root.shared, 'to-khai.pdf'),
          '--out',
          out,
          '--format',
          'pades',
        ].concat(['--cert', 'CCCD:001099012345', '--stamp', 'Số: 15/TB-CT', '--pin-stdin']),
        token.env,
        `${TOKEN_PIN}\n`,
      );
    const signed = path.join(root.shared, 'to-khai-signed.pdf');
    const run = sign(signed);
    expect(run.status, run.stderr).toBe(0);
    const report = pdfsig(signed, makeNssDb(root.shared, [path.join(token.dir, 'ca.pem')]));
    expect(report.signatures, report.output).toHaveLength(1);
    expect(report.signatures[0]!.valid && report.signatures[0]!.trusted, report.output).toBe(true);
    // Vietnamese letters (ố) drawn in the embedded Liberation Serif, not a standard PDF font
    expect(pdftotext(signed)).toContain('Số: 15/TB-CT');
    expect(execFileSync('pdffonts', [signed], { encoding: 'utf8' })).toMatch(
      /LiberationSerif\S*\s+CID TrueType\s+Identity-H\s+yes/,
    );
    // The font is read from beside the binary, not carried inside it: moved away, the stamp is refused plainly.
    expect(root.run(['mv', '/opt/kyso/fonts', '/opt/kyso/fonts-away']).status).toBe(0);
    try {
      const without = sign(path.join(root.shared, 'no-font.pdf'));
      expect(without.status).toBe(1);
      expect(without.stderr).toContain(
        'the stamp font is missing from this installation (/opt/kyso/fonts/LiberationSerif-Regular.ttf): reinstall kyso',
      );
      expect(`${without.stdout}${without.stderr}`).not.toMatch(/^\s+at /m);
    } finally {
      root.run(['mv', '/opt/kyso/fonts-away', '/opt/kyso/fonts']);
    }
  });

  it('a missing pkcs11js addon: doctor gives a clear verdict, not a stack trace; reinstalling mends it', () => {
    root.run(['rm', '/opt/kyso/lib/pkcs11js/build/Release/pkcs11.node']);
    const doctor = root.run(['kyso-host', 'doctor'], token.env);
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toContain(
      "kyso's PKCS#11 component is missing (/opt/kyso/lib/pkcs11js/build/Release/pkcs11.node): reinstall kyso",
    );
    expect(doctor.stdout).toContain('Verdict: ✗');
    expect(`${doctor.stdout}${doctor.stderr}`).not.toMatch(/^\s+at /m);
    expect(root.run(['dpkg', '-i', path.join(root.shared, DEB)]).status).toBe(0);
    expect(root.run(['kyso-host', 'doctor'], token.env).status).toBe(0);
  });

  /** A demo portal tab, kyso ready, with `text` chosen (as file `name`) in its file field. */
  async function portalWithFile(
    browser: Browser,
    demo: DemoServer,
    name: string,
    text: string,
  ): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(demo.url);
    await page.waitForSelector('#kyso-state[data-state="ready"]', { timeout: 30_000 });
    const file = path.join(root.shared, name);
    writeFileSync(file, text);
    await ((await page.$('input#file')) as ElementHandle<HTMLInputElement>).uploadFile(file);
    return page;
  }

  /** The demo form ends in "done" and the CMS the portal received verifies over `text` with the test CA. */
  async function expectPortalReceivedSignature(page: Page, demo: DemoServer, text: string): Promise<void> {
    await page.waitForFunction(
      () => ['done', 'error'].includes(document.querySelector('#status')!.getAttribute('data-state')!),
      { timeout: 30_000 },
    );
    expect(await page.$eval('#status', (el) => el.getAttribute('data-state'))).toBe('done');
    const cms = Buffer.from(demo.submissions.at(-1)!.cms, 'base64');
    const verified = opensslCmsVerify({
      cms,
      content: Buffer.from(text),
      caFile: path.join(token.dir, 'ca.pem'),
    });
    expect(verified.ok, verified.output).toBe(true);
  }

  /**
   * An agency's opt-in: the policy template the .deb installed under /opt/kyso/policies, copied to the
   * place `browser` reads (docs/deploy.md), its forced install left out (the stores are not reachable
   * here) and, when given, its allowed portals replaced by `allowedOrigins`. Returns the undo.
   */
  function activatePolicyTemplate(
    browser: keyof typeof LINUX_POLICY_LOCATIONS,
    allowedOrigins?: string[],
  ): () => void {
    const template = JSON.parse(
      root.run(['cat', `/opt/kyso/policies/${browser}/${path.basename(LINUX_POLICY_LOCATIONS[browser])}`])
        .stdout,
    );
    const firefox = browser.startsWith('firefox');
    const policy = firefox ? template.policies : template;
    delete policy[firefox ? 'ExtensionSettings' : 'ExtensionInstallForcelist'];
    const settings = firefox
      ? policy['3rdparty'].Extensions[FIREFOX_EXTENSION_ID]
      : policy['3rdparty'].extensions[CHROMIUM_EXTENSION_ID];
    if (allowedOrigins) settings.allowedOrigins = allowedOrigins;
    const location = LINUX_POLICY_LOCATIONS[browser];
    // what the copy creates: the file, or the topmost of its directories that did not exist
    let created: string = location;
    while (root.run(['test', '-e', path.dirname(created)]).status !== 0) created = path.dirname(created);
    expect(root.run(['test', '-e', created]).status).not.toBe(0);
    const write = root.run(
      ['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', location],
      {},
      JSON.stringify(template),
    );
    expect(write.status, write.stderr).toBe(0);
    return () => expect(root.run(['rm', '-rf', created]).status).toBe(0);
  }

  it('an agency’s Chromium policy template, copied where docs/deploy.md says, reaches the extension: its portal shows as allowed by policy', async () => {
    const undo = activatePolicyTemplate('chromium');
    const browser = await launchReleasedChromium('profile-policy');
    try {
      const options = await browser.newPage();
      await options.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/src/options/options.html`);
      const site = await options.waitForSelector('#sites li[data-origin="https://dichvucong.gov.vn"]', {
        visible: true,
        timeout: 30_000,
      });
      expect(await site!.evaluate((el) => (el as HTMLElement).innerText)).toMatch(
        /https:\/\/dichvucong\.gov\.vn — (allowed \(policy\)|cho phép \(chính sách\))/,
      );
    } finally {
      await browser.close();
      undo();
    }
  });

  describe('signing in Chromium with the released extension and the installed host only', () => {
    let demo: DemoServer;
    let browser: Browser;

    beforeAll(async () => {
      demo = await startDemoServer({
        trustedRoots: pemCertificates(readFileSync(path.join(token.dir, 'ca.pem'), 'utf8')),
      });
      browser = await launchReleasedChromium('profile');
      await enableDeveloperMode(browser);
    });
    afterAll(async () => {
      await browser?.close();
      await demo?.close();
    });

    it('the portal gets a signature that openssl verifies', async () => {
      const text = 'Tờ khai đăng ký hộ kinh doanh — ký bằng kyso đã cài từ gói .deb\n';
      const page = await portalWithFile(browser, demo, 'to-khai.txt', text);
      const consent = await consentWindowAfter(browser, () => page.click('#sign'));
      await signInConsent(consent, '02', TOKEN_PIN);
      await clickClosingWindow(consent, '#sign');
      await expectPortalReceivedSignature(page, demo, text);
    });
  });

  describe('signing in Firefox ESR with the released XPI, the installed host only and the agency policy template', () => {
    const FIREFOX_UUID = '0b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4';
    let demo: DemoServer;
    let browser: Browser;
    let undoPolicy: (() => void) | undefined;

    beforeAll(async () => {
      // Firefox refuses plain http portals (no developer mode here): https with a throwaway certificate.
      const tls = localhostTls(path.join(root.shared, 'tls'));
      demo = await startDemoServer({
        trustedRoots: pemCertificates(readFileSync(path.join(token.dir, 'ca.pem'), 'utf8')),
        tls,
      });
      // The agency's Firefox template, its allowed portal this demo: no "allow this site?" question.
      undoPolicy = activatePolicyTemplate('firefox', [new URL(demo.url).origin]);
      const xpi = path.join(root.shared, 'xpi');
      mkdirSync(xpi);
      execFileSync('unzip', ['-q', path.join(out, `kyso-${KYSO_VERSION}-firefox.xpi`), '-d', xpi]);
      browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath: root.launcher(
          'firefox',
          process.env.KYSO_FIREFOX ?? '/usr/bin/firefox-esr',
          token.env,
        ),
        headless: true,
        userDataDir: path.join(root.shared, 'firefox-profile'),
        protocolTimeout: 60_000,
        acceptInsecureCerts: true,
        extraPrefsFirefox: {
          'extensions.webextensions.uuids': JSON.stringify({ [FIREFOX_EXTENSION_ID]: FIREFOX_UUID }),
        },
      });
      expect(await browser.installExtension(xpi)).toBe(FIREFOX_EXTENSION_ID);
    });
    afterAll(async () => {
      await browser?.close();
      await demo?.close();
      undoPolicy?.();
    });

    /** BiDi shows extension pages as about:blank targets: find the consent window by asking each page where it is. */
    async function consentPage(): Promise<Page> {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        for (const target of browser.targets()) {
          const page = await target.page().catch(() => null);
          const href = page && (await page.evaluate(() => location.href).catch(() => ''));
          if (page && href?.startsWith(`moz-extension://${FIREFOX_UUID}/src/consent/`)) return page;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('no consent window');
    }

    it('the portal gets a signature that openssl verifies', async () => {
      const text = 'Tờ khai thuế — ký trong Firefox ESR bằng kyso đã cài từ gói .deb\n';
      const page = await portalWithFile(browser, demo, 'to-khai-firefox.txt', text);
      await page.click('#sign');
      const consent = await consentPage();
      // Each question is armed after a moment (stray typing from the page sends nothing).
      await consent.waitForSelector(
        'body[data-state="ready"][data-armed="true"], body[data-state="permission"][data-armed="true"]',
        {
          timeout: 30_000,
        },
      );
      // the policy template allowed this portal: Firefox ESR read /etc/firefox/policies/policies.json
      expect(await consent.$eval('body', (el) => el.dataset.state)).toBe('ready');
      await signInConsent(consent, '02', TOKEN_PIN);
      await consent.$eval('#sign', (el) => setTimeout(() => (el as HTMLElement).click(), 0));
      await expectPortalReceivedSignature(page, demo, text);
    });
  });

  it('upgrading to the next version keeps the user’s settings and the browser registrations', () => {
    // Version N+1: the same files under the next version number (what changes between releases is
    // the program; what the upgrade must keep is the same either way).
    const next = path.join(root.shared, 'next');
    execFileSync('dpkg-deb', ['-R', path.join(out, DEB), next]);
    const control = path.join(next, 'DEBIAN/control');
    writeFileSync(control, readFileSync(control, 'utf8').replace(/^Version: .*$/m, 'Version: 99.0.0'));
    execFileSync(
      'dpkg-deb',
      ['--root-owner-group', '-Znone', '-b', next, path.join(root.shared, 'kyso-next.deb')],
      { stdio: 'pipe' },
    );
    const settings = JSON.stringify({ modules: [SOFTHSM_MODULE] });
    root.run([
      'sh',
      '-c',
      `mkdir -p /root/.config/kyso && printf '%s' '${settings}' > /root/.config/kyso/config.json`,
    ]);

    expect(root.run(['dpkg', '-i', path.join(root.shared, 'kyso-next.deb')]).status).toBe(0);
    expect(root.run(['dpkg-query', '-W', '-f', '${Version}', 'kyso']).stdout).toBe('99.0.0');
    expect(root.run(['cat', '/root/.config/kyso/config.json']).stdout).toBe(settings);
    expect(root.run(['kyso-host', 'doctor'], token.env).stdout).toMatch(/chromium: \S+ ✓ host answers/);
  });

  it('purge leaves no kyso file: the system’s changes are what they were before the install', () => {
    expect(root.run(['dpkg', '--purge', 'kyso']).status).toBe(0);
    // dpkg's own records of what it did are the only system changes left; ~/.config/kyso is the
    // user's (Debian policy: packages never touch home directories). fontconfig's cache is written by
    // whatever lists fonts first (here Firefox ESR, for its own fonts folder, unless a run outside the
    // sandbox wrote it already): no package's file either.
    const bookkeeping = /^\/var\/(lib\/dpkg|log|cache\/debconf|cache\/fontconfig)\//;
    // dpkg also removes an empty directory of the package's (here /etc/opt) that no package owns,
    // even when it was there before: it deletes, it leaves nothing behind.
    const packageDirs = execFileSync('dpkg-deb', ['--contents', path.join(out, DEB)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.startsWith('d'))
      .map((line) => line.split(' ').at(-1)!.replace(/^\./, '').replace(/\/$/, ''));
    const emptyDirRemoved = (f: string) =>
      f.endsWith(' (deleted)') &&
      packageDirs.includes(f.slice(0, -' (deleted)'.length)) &&
      readdirSync(f.slice(0, -' (deleted)'.length)).length === 0;
    const after = root
      .changes()
      .filter((f) => !bookkeeping.test(f) && !f.startsWith('/root/') && !emptyDirRemoved(f));
    expect(after).toEqual(before.filter((f) => !bookkeeping.test(f)));
    expect(after.filter((f) => /kyso/i.test(f))).toEqual([]);
    expect(root.run(['sh', '-c', 'command -v kyso kyso-host']).status).not.toBe(0);
  });

  it('the .tar.gz, unpacked in a home folder, registers itself with `kyso-host install` and doctor says ready', () => {
    cpSync(path.join(out, TARBALL), path.join(root.shared, TARBALL));
    expect(root.run(['tar', '-xzf', path.join(root.shared, TARBALL), '-C', '/root']).status).toBe(0);
    const binary = `/root/kyso-${KYSO_VERSION}-linux-x64/kyso-host`;
    const install = root.run([binary, 'install', '--browser', 'chromium,firefox'], token.env);
    expect(install.status, install.stdout + install.stderr).toBe(0);
    // the launcher carries the token's environment and starts the binary itself, no Node
    const launcher = root.run(['cat', '/root/.local/share/kyso/kyso-host.sh']).stdout;
    expect(launcher).toContain(`exec '${binary}' "$@"`);
    const doctor = root.run([binary, 'doctor'], token.env);
    expect(doctor.stdout).toMatch(
      /chromium: \/root\/\.config\/chromium\/NativeMessagingHosts\/vn\.kyso\.host\.json ✓ host answers/,
    );
    expect(doctor.status, doctor.stdout).toBe(0);
    expect(root.run([binary, 'uninstall', '--browser', 'chromium,firefox']).status).toBe(0);
    expect(
      root.run(['test', '-e', '/root/.config/chromium/NativeMessagingHosts/vn.kyso.host.json']).status,
    ).not.toBe(0);
  });

  it('a corrupted package is refused and nothing is installed', () => {
    const bytes = readFileSync(path.join(out, DEB));
    bytes.fill(0x55, bytes.length >> 1, (bytes.length >> 1) + 4096);
    writeFileSync(path.join(root.shared, 'corrupt.deb'), bytes);
    const install = root.run(['dpkg', '-i', path.join(root.shared, 'corrupt.deb')]);
    expect(install.status).not.toBe(0);
    expect(install.stderr).toMatch(/dpkg-deb|corrupt|error/i);
    expect(root.run(['dpkg-query', '-W', '-f', '${Status}', 'kyso']).stdout).not.toContain(
      'install ok installed',
    );
    expect(root.run(['test', '-e', '/opt/kyso/kyso-host']).status).not.toBe(0);
  });

  it('the released Chrome zip and Firefox XPI pass addons-linter (what `web-ext lint` runs) with zero errors', () => {
    const zip = readFileSync(path.join(out, `kyso-${KYSO_VERSION}-chrome.zip`));
    const xpi = readFileSync(path.join(out, `kyso-${KYSO_VERSION}-firefox.xpi`));
    // The two stores get the same files: when the bytes are the same too, one lint speaks for both.
    const distinct = zip.equals(xpi) ? ['firefox.xpi'] : ['chrome.zip', 'firefox.xpi'];
    for (const artifact of distinct.map((suffix) => `kyso-${KYSO_VERSION}-${suffix}`)) {
      const report = lintExtensionPackage(path.join(out, artifact));
      expect(report.errors, artifact).toEqual([]);
      // and the package carries the stable Firefox id the host's manifest allows
      const manifest = JSON.parse(
        execFileSync('unzip', ['-p', path.join(out, artifact), 'manifest.json'], { encoding: 'utf8' }),
      );
      expect(manifest.browser_specific_settings.gecko.id).toBe(FIREFOX_EXTENSION_ID);
    }
  });

  it('two builds of the same commit give the same bytes, but for the V8 code cache inside the binary', () => {
    const again = `${out}-again`;
    try {
      buildPackages(again);
      for (const artifact of readdirSync(out).filter((f) => /\.(zip|xpi)$/.test(f))) {
        expect(
          readFileSync(path.join(again, artifact)).equals(readFileSync(path.join(out, artifact))),
          artifact,
        ).toBe(true);
      }
      // The tarballs: same files, same modes and sizes; only kyso-host's bytes differ (the code cache).
      const unpack = (dir: string) => {
        const to = `${dir}-unpacked`;
        mkdirSync(to, { recursive: true });
        execFileSync('tar', ['-xzf', path.join(dir, TARBALL), '-C', to]);
        return to;
      };
      const [a, b] = [unpack(out), unpack(again)];
      expect(listing(b)).toEqual(listing(a));
      const differing = execFileSync('sh', ['-c', `diff -rq "${a}" "${b}" || true`], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .filter(Boolean);
      expect(differing.map((line) => path.basename(line.split(' and ')[0]!))).toEqual(
        differing.length ? ['kyso-host'] : [],
      );
    } finally {
      rmSync(again, { recursive: true, force: true });
      rmSync(`${again}-unpacked`, { recursive: true, force: true });
      rmSync(`${out}-unpacked`, { recursive: true, force: true });
    }
    expect(existsSync(out)).toBe(true);
  });
});
