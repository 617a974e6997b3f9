/**
 * What a person meets on an extension page, measured in the browser: axe-core's WCAG 2.1 AA rules,
 * the body text size, whether a control is on screen at a given window size or zoom, sideways
 * scrolling, which language the visible text is in, and the dark pixels of a PDF page drawn in the
 * consent window; and a click made as a person makes it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'puppeteer-core';
import { MESSAGES } from '../../extension/src/i18n/messages.js';
import { ERROR_CODES, errorMessage } from '../../shared/protocol/errors.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations of WCAG 2.0/2.1 A and AA, as "rule: target" lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as any).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.flatMap((v: any) =>
      v.nodes.map((n: any) => `${v.id}: ${n.target.join(' ')} — ${n.failureSummary?.split('\n')[1] ?? ''}`),
    );
  });
}

/** A window size, or a zoom level as the CSS viewport it leaves (200 % of 480×720 is 240×360 CSS px). */
export interface Viewport {
  name: string;
  width: number;
  height: number;
  deviceScaleFactor?: number;
}
export const VIEWPORTS: Viewport[] = [
  { name: '480x720', width: 480, height: 720 },
  { name: 'zoom-200', width: 240, height: 360, deviceScaleFactor: 2 },
  { name: '360 wide', width: 360, height: 720 },
  { name: '320 wide', width: 320, height: 568 },
];

export interface Layout {
  bodyFontPx: number;
  /** The document scrolls sideways. */
  horizontalScroll: boolean;
  /** Elements reaching past the right edge when it does. */
  wide: string[];
  /** Each selector's box lies wholly inside the viewport (as the page is scrolled now). */
  inside: Record<string, boolean>;
}

export async function layout(page: Page, selectors: string[]): Promise<Layout> {
  return page.evaluate((selectors) => {
    const root = document.scrollingElement ?? document.documentElement;
    const inside: Record<string, boolean> = {};
    for (const selector of selectors) {
      const element = document.querySelector<HTMLElement>(selector);
      const box = element?.getBoundingClientRect();
      inside[selector] =
        !!box &&
        box.width > 0 &&
        box.height > 0 &&
        box.left >= 0 &&
        box.top >= 0 &&
        box.right <= innerWidth &&
        box.bottom <= innerHeight;
    }
    const horizontalScroll = root.scrollWidth > root.clientWidth + 1;
    // What sticks out, to say why (ids or tags of the widest offenders).
    const wide = horizontalScroll
      ? [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
          .slice(-3)
          .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`)
          .concat(
            (() => {
              const texts: string[] = [];
              const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const range = document.createRange();
                range.selectNodeContents(node);
                if (range.getBoundingClientRect().right > root.clientWidth + 1)
                  texts.push(`"${node.textContent!.slice(0, 30)}"`);
              }
              return texts.slice(0, 3);
            })(),
            [`scrollWidth ${root.scrollWidth} clientWidth ${root.clientWidth}`],
          )
      : [];
    return {
      bodyFontPx: parseFloat(getComputedStyle(document.body).fontSize),
      horizontalScroll,
      wide,
      inside,
    };
  }, selectors);
}

/** Runs `check` at each viewport (top and bottom of the page), then puts the window back. */
export async function atEachViewport(
  page: Page,
  check: (viewport: Viewport, where: 'top' | 'bottom') => Promise<void>,
): Promise<void> {
  try {
    for (const viewport of VIEWPORTS) {
      await page.setViewport({
        width: viewport.width,
        height: viewport.height,
        deviceScaleFactor: viewport.deviceScaleFactor ?? 1,
      });
      for (const where of ['top', 'bottom'] as const) {
        await page.evaluate(
          (where) => window.scrollTo(0, where === 'top' ? 0 : document.documentElement.scrollHeight),
          where,
        );
        await check(viewport, where);
      }
    }
  } finally {
    await page.setViewport(null);
    await page.evaluate(() => window.scrollTo(0, 0));
  }
}

/** The element focused now, as id (or tag and name). */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLInputElement | null;
    return el?.id || `${el?.tagName.toLowerCase()}${el?.name ? `[name=${el.name}]` : ''}`;
  });
}

/**
 * Every visible text node of kyso's own (outside page words and data: `.page-text`, `.data`,
 * `code`, the origin, certificate names, numbers), checked against the catalogue: each must be a
 * message of `lang` (placeholders filled by anything), and none may be a message only the other
 * language has. Returns the texts that fail.
 */
export async function textsNotIn(page: Page, lang: 'vi' | 'en'): Promise<string[]> {
  const texts: string[] = await page.evaluate(() => {
    const skip =
      '.page-text, .data, code, #origin, .holder, .control-mark, #fingerprint, #list-range, .item-number, #page-position, option, [aria-hidden="true"], script, style';
    const found: string[] = [];
    const shown = (el: HTMLElement) =>
      (el.offsetParent !== null || getComputedStyle(el).position === 'fixed') && !el.closest('[hidden]');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim();
      const parent = node.parentElement;
      if (!text || !parent || parent.closest(skip)) continue;
      if (!shown(parent)) continue;
      found.push(text);
    }
    // What is read out though not drawn as text: labels in attributes, and the choices of a shown list.
    for (const el of document.body.querySelectorAll<HTMLElement>('[aria-label], [title]')) {
      if (el.closest(skip) || !shown(el)) continue;
      for (const name of ['aria-label', 'title'] as const) {
        const value = el.getAttribute(name)?.trim();
        if (value) found.push(value);
      }
    }
    for (const select of document.body.querySelectorAll('select'))
      if (shown(select)) found.push(...[...select.options].map((o) => o.text.trim()).filter(Boolean));
    // A file input draws the browser's own words ("Choose File", "No file chosen") in the browser's UI language.
    for (const input of document.body.querySelectorAll<HTMLInputElement>('input[type="file"]'))
      if (shown(input) && input.getBoundingClientRect().width > 1)
        found.push(`<input type=file id=${input.id}>: the browser's own words`);
    return found;
  });
  const catalogue = (l: 'vi' | 'en') => [
    ...Object.values(MESSAGES[l]),
    ...ERROR_CODES.map((code) => errorMessage(code, l)),
  ];
  const pattern = (message: string) =>
    new RegExp(`^${message.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '.+')}$`, 's');
  const own = catalogue(lang).map(pattern);
  const foreign = catalogue(lang === 'vi' ? 'en' : 'vi')
    .filter((m) => !catalogue(lang).includes(m))
    .map(pattern);
  // Not ours to translate: numbers, punctuation, product names.
  const neutral = /^[\d\s.,:;/()–—…·+%#-]*$|^kyso(-host)?$|^KYSO_PKCS11_MODULES$/;
  // A count after a choice ("All (1,000)") is a number, not words.
  const trimmed = texts.map((text) =>
    text.replace(/^[\s—–·:-]+|[\s—–·:-]+$/g, '').replace(/\s*\([\d.,\s]+\)$/, ''),
  );
  return trimmed.filter(
    (text) => !neutral.test(text) && (!own.some((p) => p.test(text)) || foreign.some((p) => p.test(text))),
  );
}

/**
 * Where characters are drawn: the left edge of each of `indexes` in the first text node of
 * `selector` that starts with `textStart` (to see whether bidi controls were obeyed).
 */
export function characterLefts(
  page: Page,
  selector: string,
  textStart: string,
  indexes: number[],
): Promise<number[]> {
  return page.$eval(
    selector,
    (el, start, at) => {
      const node = [...el.childNodes].find(
        (n) => n.nodeType === Node.TEXT_NODE && n.textContent!.startsWith(start),
      )!;
      return at.map((i) => {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        return range.getBoundingClientRect().left;
      });
    },
    textStart,
    indexes,
  );
}

/**
 * Whether a person sees `selector`: it takes room on the page and is drawn (not display: none,
 * visibility: hidden or fully transparent, itself or an ancestor) — what the page shows, whatever
 * its `hidden` property says.
 */
export function drawn(page: Page, selector: string): Promise<boolean> {
  return page.$eval(selector, (el) => {
    const box = el.getBoundingClientRect();
    return (
      box.width > 0 &&
      box.height > 0 &&
      el.checkVisibility({ opacityProperty: true, visibilityProperty: true })
    );
  });
}

/** Elements carrying `hidden` that still take room or draw (`[hidden]` must always hide). */
export function shownDespiteHidden(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[hidden]')]
      .filter((el) => getComputedStyle(el).display !== 'none' || el.getClientRects().length > 0)
      .map((el) => `${el.tagName.toLowerCase()}#${el.id}`),
  );
}

/** WCAG contrast ratio of two CSS colours as computed styles give them (`rgb(…)`/`rgba(…)`), alpha ignored. */
export function contrastRatio(foreground: string, background: string): number {
  const luminance = (colour: string) => {
    const [r, g, b] = (colour.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return (light! + 0.05) / (dark! + 0.05);
}

/** A control reached by Tab, and the focus ring drawn around it. */
export interface FocusRing {
  element: string;
  outline: string;
  widthPx: number;
  /** Contrast of the ring against the background around the control (WCAG 1.4.11 asks ≥ 3:1). */
  contrast: number;
}

/** A ring a person sees: drawn as a line at least 2 px wide, ≥ 3:1 against what is behind it. */
export const ringSeen = (ring: FocusRing) =>
  ['solid', 'auto', 'double', 'dashed', 'dotted'].includes(ring.outline) &&
  ring.widthPx >= 2 &&
  ring.contrast >= 3;

/**
 * Tabs through the page once (until a control comes round again, or `maxStops`), measuring each
 * focused control's ring as drawn: style, width, and its colour's contrast with what is behind it.
 * Focus is put back where it was.
 */
export async function focusRings(page: Page, maxStops = 40): Promise<FocusRing[]> {
  const before = await page.evaluateHandle(() => document.activeElement);
  const rings: FocusRing[] = [];
  try {
    await page.evaluate(() => ((window as any).kysoRingSeen = new WeakSet()));
    await definePaintedBehind(page);
    for (let i = 0; i < maxStops; i++) {
      await page.keyboard.press('Tab');
      const drawn = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return undefined;
        const seen = (window as any).kysoRingSeen as WeakSet<Element>;
        if (seen.has(el)) return 'again';
        seen.add(el);
        // A visually hidden control (a file input drawn as kyso's button) shows its ring on what its label draws.
        const tiny = el.getBoundingClientRect().width <= 1;
        const labelled = (el as HTMLInputElement).labels?.[0];
        const drawn =
          (tiny &&
            labelled &&
            [...labelled.querySelectorAll<HTMLElement>('*')].find(
              (part) => part !== el && getComputedStyle(part).outlineStyle !== 'none',
            )) ||
          el;
        const style = getComputedStyle(drawn);
        // The ring is drawn outside the control (outline-offset): what is behind it is the nearest painted ancestor.
        const behind = (window as any).kysoPaintedBehind(drawn.parentElement) as string;
        return {
          element: el.id || `${el.tagName.toLowerCase()}.${el.className}`,
          outline: tiny && drawn === el ? 'not drawn (control visually hidden)' : style.outlineStyle,
          widthPx: parseFloat(style.outlineWidth),
          colour: style.outlineColor,
          behind,
        };
      });
      if (drawn === 'again') break;
      if (drawn) {
        const { colour, behind, ...ring } = drawn;
        rings.push({ ...ring, contrast: Math.round(contrastRatio(colour, behind) * 100) / 100 });
      }
    }
  } finally {
    await page.evaluate((el) => {
      if (el && el !== document.body) (el as HTMLElement).focus({ preventScroll: true });
      else (document.activeElement as HTMLElement | null)?.blur();
    }, before);
    await before.dispose();
  }
  return rings;
}

/** What a screen reader says of a control besides its name: its accessible description, from the browser's accessibility tree. */
export async function accessibleDescription(page: Page, selector: string): Promise<string | undefined> {
  const element = await page.$(selector);
  if (!element) throw new Error(`${selector}: not found`);
  try {
    const node = await page.accessibility.snapshot({ root: element, interestingOnly: false });
    return node?.description;
  } finally {
    await element.dispose();
  }
}

/** The role the browser's accessibility tree gives an element: `alert` and `status` are read out when their text changes. */
export async function accessibleRole(page: Page, selector: string): Promise<string | undefined> {
  const element = await page.$(selector);
  if (!element) throw new Error(`${selector}: not found`);
  try {
    return (await page.accessibility.snapshot({ root: element, interestingOnly: false }))?.role;
  } finally {
    await element.dispose();
  }
}

/**
 * Text under `selector` whose colour has less than `minimum` contrast with its background. axe
 * leaves out the labels of disabled controls (WCAG exempts inactive components), yet a disabled
 * certificate's row carries the only reason it cannot sign: it must be readable all the same.
 */
export async function lowContrastText(page: Page, selector: string, minimum = 4.5): Promise<string[]> {
  await definePaintedBehind(page);
  const texts = await page.evaluate((selector) => {
    const found: Array<{ text: string; colour: string; behind: string }> = [];
    for (const root of document.querySelectorAll(selector)) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!node.textContent?.trim() || !parent || parent.getClientRects().length === 0) continue;
        found.push({
          text: node.textContent.trim().slice(0, 40),
          colour: getComputedStyle(parent).color,
          behind: (window as any).kysoPaintedBehind(parent) as string,
        });
      }
    }
    return found;
  }, selector);
  return texts
    .map(({ text, colour, behind }) => ({ text, ratio: contrastRatio(colour, behind) }))
    .filter(({ ratio }) => ratio < minimum)
    .map(({ text, ratio }) => `"${text}": ${ratio.toFixed(2)}:1`);
}

/**
 * Gives the page `window.kysoPaintedBehind(element)`: the background colour painted at `element`
 * (its own, or its nearest ancestor's that is not transparent; white when none is).
 */
async function definePaintedBehind(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as any).kysoPaintedBehind = (element: Element | null) => {
      for (let node = element; node; node = node.parentElement) {
        const colour = getComputedStyle(node).backgroundColor;
        const alpha = colour.startsWith('rgba') ? Number(colour.match(/[\d.]+/g)?.[3] ?? 1) : 1;
        if (alpha > 0) return colour;
      }
      return 'rgb(255, 255, 255)';
    };
  });
}

/** Clicks as a person does: with the control scrolled into the middle of the window, not under the sticky action bar. */
export async function clickInView(page: Page, selector: string): Promise<void> {
  await page.$eval(selector, (el) => el.scrollIntoView({ block: 'center' }));
  await page.click(selector);
}

/** Dark pixels of the PDF canvas per third of its height (top, middle, bottom), as fractions. */
export function darkThirds(page: Page): Promise<number[]> {
  return page.$eval('#preview', (el) => {
    const canvas = el as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const thirds = [0, 0, 0];
    const third = Math.ceil(canvas.height / 3);
    for (let y = 0; y < canvas.height; y++)
      for (let x = 0; x < canvas.width; x++) {
        const i = (y * canvas.width + x) * 4;
        if (data[i]! < 60 && data[i + 1]! < 60 && data[i + 2]! < 60 && data[i + 3]! > 200)
          thirds[Math.floor(y / third)]! += 1;
      }
    return thirds.map((n) => n / (canvas.width * third));
  });
}
