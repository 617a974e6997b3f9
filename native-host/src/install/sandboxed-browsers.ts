/**
 * Snap and Flatpak browsers on Linux, and what a user can do about each. Native messaging means the
 * browser starts our host as a process outside its sandbox; most sandboxed browsers cannot, which is
 * the first thing users of similar tools run into (Fedict/eid-mw #245), so the installer says so.
 */
import path from 'node:path';
import type { Browser } from './locations.js';

export type SandboxKind = 'snap' | 'flatpak';

export interface SandboxedBrowser {
  browser: Browser;
  kind: SandboxKind;
  /** Snap name or Flatpak application id. */
  id: string;
  /** The path whose existence revealed it. */
  evidence: string;
}

export interface SandboxAdvice extends SandboxedBrowser {
  /** Whether kyso can work with this browser as installed: yes, no, or only after the step described. */
  support: 'works' | 'needs-setup' | 'unsupported';
  vi: string;
  en: string;
}

export interface DetectOptions {
  home: string;
  exists: (file: string) => boolean;
}

interface Package {
  browser: Browser;
  kind: SandboxKind;
  id: string;
}

/** Snaps are named after the browser. */
const SNAPS: Package[] = (['firefox', 'chromium', 'brave', 'opera', 'vivaldi'] as const).map((browser) => ({
  browser,
  kind: 'snap',
  id: browser,
}));

/** Flatpak application ids, by browser. */
const FLATPAKS: Package[] = (
  [
    ['firefox', 'org.mozilla.firefox'],
    ['chromium', 'org.chromium.Chromium'],
    ['chromium', 'io.github.ungoogled_software.ungoogled_chromium'],
    ['chrome', 'com.google.Chrome'],
    ['edge', 'com.microsoft.Edge'],
    ['brave', 'com.brave.Browser'],
    ['vivaldi', 'com.vivaldi.Vivaldi'],
    ['opera', 'com.opera.Opera'],
  ] as const
).map(([browser, id]) => ({ browser, kind: 'flatpak', id }));

/** Where a snap or Flatpak leaves a trace: the launcher, the install, or the per-user data directory. */
export function evidencePaths(pkg: { kind: SandboxKind; id: string }, home: string): string[] {
  const p = path.posix;
  if (pkg.kind === 'snap') {
    return [
      p.join('/snap/bin', pkg.id),
      // Fedora, Arch and openSUSE mount snaps under /var/lib/snapd/snap.
      p.join('/var/lib/snapd/snap/bin', pkg.id),
      p.join(home, 'snap', pkg.id),
    ];
  }
  return [
    p.join('/var/lib/flatpak/app', pkg.id),
    p.join(home, '.local/share/flatpak/app', pkg.id),
    p.join(home, '.var/app', pkg.id),
  ];
}

/** Every sandboxed browser found, each once (with the first path that revealed it). */
export function detectSandboxedBrowsers(options: DetectOptions): SandboxedBrowser[] {
  const found: SandboxedBrowser[] = [];
  for (const pkg of [...SNAPS, ...FLATPAKS]) {
    const evidence = evidencePaths(pkg, options.home).find((file) => options.exists(file));
    if (evidence) found.push({ ...pkg, evidence });
  }
  return found;
}

const BROWSER_NAMES: Record<Browser, string> = {
  chrome: 'Google Chrome',
  chromium: 'Chromium',
  edge: 'Microsoft Edge',
  brave: 'Brave',
  vivaldi: 'Vivaldi',
  opera: 'Opera',
  coccoc: 'Cốc Cốc',
  firefox: 'Firefox',
};

/** What to tell the user about one sandboxed browser. Statements are limited to what is known to hold. */
export function sandboxAdvice(found: SandboxedBrowser): SandboxAdvice {
  const name = BROWSER_NAMES[found.browser];
  const label = `${name} (${found.kind} ${found.id})`;
  if (found.browser === 'firefox' && found.kind === 'snap') {
    return {
      ...found,
      support: 'works',
      vi:
        `${label}: Firefox bản snap chạy được native host qua cổng xdg-desktop-portal (từ 2023, Ubuntu 22.04 trở lên). ` +
        'Hãy cập nhật Firefox và xdg-desktop-portal; lần đầu Firefox sẽ hỏi bạn có cho phép kyso chạy không — chọn Cho phép.',
      en:
        `${label}: the Firefox snap starts native hosts through the xdg-desktop-portal WebExtensions portal ` +
        '(since 2023, Ubuntu 22.04 and later). Keep Firefox and xdg-desktop-portal up to date; the first time, ' +
        'Firefox asks whether kyso may run: allow it.',
    };
  }
  if (found.browser === 'firefox') {
    return {
      ...found,
      support: 'needs-setup',
      vi:
        `${label}: Firefox Flatpak chỉ chạy được native host khi máy có dịch vụ xdg-native-messaging-proxy ` +
        '(cài gói đó rồi chạy `systemctl --user enable --now xdg-native-messaging-proxy.service`) và Firefox đủ mới để dùng nó. ' +
        'Cách chắc chắn nhất: dùng Firefox cài từ gói .deb/.rpm hoặc bản tải từ mozilla.org.',
      en:
        `${label}: Flatpak Firefox reaches native hosts only through the xdg-native-messaging-proxy service ` +
        '(install it, then `systemctl --user enable --now xdg-native-messaging-proxy.service`) and with a Firefox ' +
        'recent enough to use it. The dependable choice is Firefox from a .deb/.rpm package or from mozilla.org.',
    };
  }
  const vi =
    `${label}: trình duyệt họ Chromium đóng gói ${found.kind} không thể khởi chạy native host nằm ngoài sandbox, ` +
    'nên kyso không dùng được với bản này. Hãy cài bản .deb/.rpm của trình duyệt (ví dụ Google Chrome, Microsoft Edge, ' +
    'Brave từ trang của hãng) hoặc dùng Firefox.';
  const en =
    `${label}: Chromium-based browsers packaged as ${found.kind} cannot start native hosts outside their sandbox, ` +
    "so kyso cannot work with this build. Install the browser's .deb/.rpm package (e.g. Google Chrome, Microsoft " +
    "Edge or Brave from the vendor's site) or use Firefox.";
  if (found.kind === 'flatpak') {
    // Known workaround, named as such: it lets the browser run anything on the host.
    return {
      ...found,
      support: 'unsupported',
      vi:
        vi +
        ' Cách nâng cao (làm mất phần lớn sự bảo vệ của sandbox): cấp quyền `flatpak override --user ' +
        `--talk-name=org.freedesktop.Flatpak ${found.id}\` rồi đăng ký một launcher gọi \`flatpak-spawn --host\`.`,
      en:
        en +
        ' Advanced workaround (gives up most of the sandbox): `flatpak override --user ' +
        `--talk-name=org.freedesktop.Flatpak ${found.id}\` and register a launcher that runs \`flatpak-spawn --host\`.`,
    };
  }
  return { ...found, support: 'unsupported', vi, en };
}

/** Detection and advice in one call, for `kyso-host install` and diagnostics. */
export function sandboxedBrowserAdvice(options: DetectOptions): SandboxAdvice[] {
  return detectSandboxedBrowsers(options).map(sandboxAdvice);
}

/** How `kyso-host install` and `doctor` print one piece of advice: Vietnamese, then English. */
export function sandboxAdviceText(advice: SandboxAdvice): string {
  return `${advice.vi}\n${advice.en}`;
}
