/**
 * What the toolbar popup tells a person whose kyso app (the native host) is missing or does not
 * match the extension: which part to install or update, and where to download the app. Pure.
 */
import type { WireError } from '../../../shared/protocol/errors.js';

/** Where the host packages (.deb, .tar.gz, Windows and macOS installers) are published. */
export const HOST_DOWNLOAD_URL = 'https://kyso.vn/tai-ve';

export interface HostAdvice {
  vi: string;
  en: string;
  /** Whether to offer the download link (the app is what needs installing or updating). */
  download: boolean;
}

export function hostAdvice(error: WireError): HostAdvice | undefined {
  if (error.code === 'HOST_NOT_INSTALLED') {
    return {
      vi: 'Chưa cài ứng dụng kyso trên máy: tải bộ cài, cài đặt, rồi mở lại cửa sổ này.',
      en: 'The kyso app is not installed on this computer: download the installer, install it, then reopen this window.',
      download: true,
    };
  }
  if (error.code !== 'VERSION_MISMATCH') return undefined;
  if (error.details?.update === 'extension') {
    return {
      vi: 'Ứng dụng kyso mới hơn tiện ích: hãy cập nhật tiện ích kyso trong trình duyệt.',
      en: 'The kyso app is newer than this extension: update the kyso extension in your browser.',
      download: false,
    };
  }
  return {
    vi: 'Ứng dụng kyso cũ hơn tiện ích: hãy tải và cài phiên bản mới của ứng dụng kyso.',
    en: 'The kyso app is older than this extension: download and install the new version of the kyso app.',
    download: true,
  };
}
