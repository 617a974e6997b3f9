/**
 * A drop-in for pages written against the Ban Cơ yếu (VGCA) signing plugin's global functions,
 * backed by kyso: load dist/sdk/vgca-shim.js instead of the plugin's script. No localhost
 * WebSocket and no self-signed certificate to accept; consent and PIN happen in kyso's window.
 *
 * Covered: vgca_sign_msg(sender, base64Message, callback) → callback(sender, resultJson) with
 * {Status: 0, Message: '', Signature: <base64 attached CMS of the message>}; on failure Status ≠ 0
 * and Message in Vietnamese (ErrorCode gives kyso's code). Every other vgca_* function answers
 * {Status: 2, Message: 'not supported'} (see docs/vgca-shim.md for why and what comes next).
 */
import { attachContent } from '../cms/attach.js';
import { base64ToBytes, bytesToBase64 } from '../encoding.js';
import { errorMessage } from '../protocol/errors.js';
import { KysoError, digestOf, signCms } from './index.js';

type Callback = (sender: unknown, result: string) => void;

export const VGCA_STATUS = { ok: 0, failed: 1, unsupported: 2 } as const;

function answer(callback: Callback | undefined, sender: unknown, result: Record<string, unknown>): void {
  if (typeof callback === 'function') callback(sender, JSON.stringify(result));
}

function failure(error: unknown) {
  const code = error instanceof KysoError ? error.code : 'INTERNAL';
  return { Status: VGCA_STATUS.failed, Message: errorMessage(code, 'vi'), ErrorCode: code };
}

export async function vgca_sign_msg(sender: unknown, base64Message: string, callback?: Callback): Promise<void> {
  try {
    const message = base64ToBytes(base64Message);
    const { cms } = await signCms({
      digest: await digestOf(message, 'SHA-256'),
      digestAlgorithm: 'SHA-256',
      description: 'Ký thông điệp (tương thích VGCA)',
      lang: 'vi',
    });
    // VGCA's SignMsg returns the message and its signature together: an attached CMS.
    const signature = bytesToBase64(attachContent(base64ToBytes(cms), message));
    answer(callback, sender, { Status: VGCA_STATUS.ok, Message: '', Signature: signature });
  } catch (error) {
    answer(callback, sender, failure(error));
  }
}

const UNSUPPORTED = [
  'vgca_sign_pdf',
  'vgca_sign_xml',
  'vgca_sign_files',
  'vgca_sign_approved',
  'vgca_sign_issued',
  'vgca_sign_copy',
  'vgca_sign_json',
  'vgca_get_certinfo',
] as const;

/** Installs the globals (what the plugin's own script does). */
export function installVgcaShim(target: Record<string, unknown> = globalThis as unknown as Record<string, unknown>): void {
  target.vgca_sign_msg = vgca_sign_msg;
  for (const name of UNSUPPORTED) {
    target[name] = (sender: unknown, ...rest: unknown[]) => {
      const callback = rest.reverse().find((a) => typeof a === 'function') as Callback | undefined;
      answer(callback, sender, { Status: VGCA_STATUS.unsupported, Message: `${name}: chưa hỗ trợ trong kyso / not supported by kyso yet` });
    };
  }
}

installVgcaShim();
