/**
 * XMLHttpRequest for the page, answering the Viettel-CA SignPlugin's loopback address
 * (127.0.0.1:14007 / :14407) with kyso's emulation (shared/sdk/plugins/viettel.ts) and leaving
 * every other request to the browser's own XMLHttpRequest, which it extends (so `instanceof`,
 * uploads, timeouts… stay the browser's).
 *
 * Only asynchronous requests are answered: a synchronous one must have its answer before `send`
 * returns, while kyso's answer waits for the user in kyso's window. Those, and every request of a
 * site not set to "use kyso", go to the network unchanged: to kyso-host's listener on 127.0.0.1:14007
 * (native-host/src/viettel/listener.ts, which answers only the sites set to "use kyso"), the
 * installed plugin, or nothing.
 */
import { enabledFor } from './emulated-socket.js';

const UNSENT = 0;
const OPENED = 1;
const HEADERS_RECEIVED = 2;
const LOADING = 3;
const DONE = 4;

interface Emulated {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  readyState: number;
  status: number;
  responseText: string;
  /** send() was called (a second one throws, as the browser's does). */
  sent: boolean;
  aborted: boolean;
}

/** The page's XMLHttpRequest class: `answer(url, body)` answers the URLs `isEmulated` accepts. */
export function emulatedXhrClass(
  NativeXhr: typeof XMLHttpRequest,
  isEmulated: (url: string) => boolean,
  answer: (url: string, body: unknown) => Promise<string>,
): typeof XMLHttpRequest {
  const state = new WeakMap<XMLHttpRequest, Emulated>();

  class KysoXMLHttpRequest extends NativeXhr {
    override open(
      method: string,
      url: string | URL,
      async = true,
      user?: string | null,
      password?: string | null,
    ) {
      let absolute: string | undefined;
      try {
        absolute = new URL(String(url), location.href).href;
      } catch {
        absolute = undefined;
      }
      if (absolute && async !== false && isEmulated(absolute)) {
        state.set(this, {
          method,
          url: absolute,
          headers: [],
          readyState: OPENED,
          status: 0,
          responseText: '',
          sent: false,
          aborted: false,
        });
        this.dispatchEvent(new Event('readystatechange'));
        return;
      }
      state.delete(this);
      super.open(method, url, async, user, password);
    }

    override setRequestHeader(name: string, value: string) {
      const emulated = state.get(this);
      if (emulated) emulated.headers.push([name, value]);
      else super.setRequestHeader(name, value);
    }

    override send(body?: Document | XMLHttpRequestBodyInit | null) {
      const emulated = state.get(this);
      if (!emulated) return super.send(body);
      if (emulated.readyState !== OPENED || emulated.sent)
        throw new DOMException(
          "Failed to execute 'send' on 'XMLHttpRequest': The object's state must be OPENED.",
          'InvalidStateError',
        );
      emulated.sent = true;
      const text = typeof body === 'string' ? body : body instanceof URLSearchParams ? body.toString() : body;
      void enabledFor('viettel').then(async (enabled) => {
        if (emulated.aborted) return;
        if (!enabled) {
          // Not a site set to "use kyso": the request goes where the page sent it.
          state.delete(this);
          super.open(emulated.method, emulated.url, true);
          for (const [name, value] of emulated.headers) super.setRequestHeader(name, value);
          super.send(body);
          return;
        }
        this.dispatchEvent(new ProgressEvent('loadstart'));
        const reply = await answer(emulated.url, text);
        if (emulated.aborted) return;
        emulated.status = 200;
        emulated.readyState = HEADERS_RECEIVED;
        this.dispatchEvent(new Event('readystatechange'));
        emulated.readyState = LOADING;
        emulated.responseText = reply;
        this.dispatchEvent(new Event('readystatechange'));
        emulated.readyState = DONE;
        this.dispatchEvent(new Event('readystatechange'));
        const size = { lengthComputable: true, loaded: reply.length, total: reply.length };
        this.dispatchEvent(new ProgressEvent('load', size));
        this.dispatchEvent(new ProgressEvent('loadend', size));
      });
    }

    override abort() {
      const emulated = state.get(this);
      if (!emulated) return super.abort();
      emulated.aborted = true;
      emulated.readyState = UNSENT;
      this.dispatchEvent(new ProgressEvent('abort'));
      this.dispatchEvent(new ProgressEvent('loadend'));
    }

    override getResponseHeader(name: string) {
      const emulated = state.get(this);
      if (!emulated) return super.getResponseHeader(name);
      return emulated.readyState >= HEADERS_RECEIVED && name.toLowerCase() === 'content-type'
        ? 'text/plain; charset=utf-8'
        : null;
    }

    override getAllResponseHeaders() {
      const emulated = state.get(this);
      if (!emulated) return super.getAllResponseHeaders();
      return emulated.readyState >= HEADERS_RECEIVED ? 'content-type: text/plain; charset=utf-8\r\n' : '';
    }
  }

  // What the page reads of a request kyso answers; the browser's own getters for every other.
  const emulatedGetters: Record<string, (emulated: Emulated, xhr: XMLHttpRequest) => unknown> = {
    readyState: (e) => e.readyState,
    status: (e) => (e.readyState >= HEADERS_RECEIVED ? e.status : 0),
    statusText: (e) => (e.readyState >= HEADERS_RECEIVED && e.status === 200 ? 'OK' : ''),
    responseText: (e) => e.responseText,
    response: (e, xhr) => (xhr.responseType === 'json' ? parseJsonOrNull(e.responseText) : e.responseText),
    responseURL: (e) => (e.readyState === DONE ? e.url : ''),
  };
  for (const [name, read] of Object.entries(emulatedGetters)) {
    const native = Object.getOwnPropertyDescriptor(NativeXhr.prototype, name);
    Object.defineProperty(KysoXMLHttpRequest.prototype, name, {
      configurable: true,
      enumerable: true,
      get(this: XMLHttpRequest) {
        const emulated = state.get(this);
        return emulated ? read(emulated, this) : (native?.get?.call(this) as unknown);
      },
    });
  }
  return KysoXMLHttpRequest;
}

function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
