/**
 * Every size, count and time limit of the protocol, in one place. Both sides import these; tests
 * exercise each one.
 */
export const LIMITS = {
  /** A frame the browser sends to the host. Only digests and small data cross native messaging. */
  maxFrameToHostBytes: 64 * 1024,
  /** A frame the host sends to the browser (browsers cap this at 1 MiB; we stay below). */
  maxFrameFromHostBytes: 768 * 1024,
  /**
   * One CMS from the host, base64: a time-stamped signature with its certificates is 3–8 KB; this
   * fits the PAdES placeholder (16 KiB), and a whole batch call of them fits one frame.
   */
  maxCmsBase64Chars: 20 * 1024,
  /**
   * PAdES B-LT evidence the host fetched (certificates, OCSP responses, CRLs), base64 in all: OCSP
   * answers are a few KB; a CA's CRL that would not fit is left out and named in `missing`.
   */
  maxValidationDataBase64Chars: 512 * 1024,
  /** Items of each kind in that answer. */
  maxValidationDataItems: 16,
  /**
   * The host's time for all of that evidence (issuers, OCSP, CRLs: 10 s each, one after another):
   * what has not answered by then is left out and named in `missing`, so the PDF is still signed.
   */
  validationDataTimeoutMs: 60_000,
  /**
   * The extension's wait for the host's validation data or document time-stamp: more than the
   * host's own time for either (validationDataTimeoutMs, timestampServerTimeoutMs).
   */
  longTermAnswerTimeoutMs: 120_000,
  /**
   * A page request as posted to the content script (JSON characters): room for a 1,000-digest
   * batch or one largest PDF (documents are prepared in the extension; they never reach the host).
   */
  maxPageRequestChars: 24 * 1024 * 1024,
  /** One PDF to sign (PAdES). */
  maxPdfBytes: 16 * 1024 * 1024,
  /**
   * One signed PDF as returned to the page: the PDF and what kyso appends to it — the signature's
   * revision with its appearance (the images as drawn), then at B-LT/B-LTA the validation data and
   * the document time-stamp. A revision that would not fit is refused before the token signs it.
   */
  maxSignedPdfBytes: 20 * 1024 * 1024,
  /** One XML document to sign (tax returns and e-invoices are a few hundred KB at most). */
  maxXmlChars: 4 * 1024 * 1024,
  /**
   * One signed XML document as returned to the page: the document as serialised again (a `>` in
   * text becomes `&gt;`) and its Signature. One that would not fit is refused before the token signs it.
   */
  maxSignedXmlChars: 4 * 1024 * 1024 + 64 * 1024,
  /**
   * One text to sign (kind 'text'), in bytes: the consent window shows all of it, so it stays what
   * a person can read there (a message, a challenge, a short letter).
   */
  maxTextBytes: 1024 * 1024,
  /** One signature or seal image on a PDF appearance. */
  maxAppearanceImageBytes: 1024 * 1024,
  /** A URL in settings (time-stamping service). */
  maxUrlChars: 2048,
  /** Local WebSocket mode: one client message (digests only: documents stay with the app). */
  maxWebSocketMessageBytes: 256 * 1024,
  /**
   * Local WebSocket mode: one answer to a client, as the extension hands it to the host (a batch of
   * 1,000 CMS is up to 20 MiB; it crosses in parts, each well inside maxFrameToHostBytes).
   */
  maxWebSocketAnswerBytes: 24 * 1024 * 1024,
  /** Local WebSocket mode: clients connected at once, and app origins the user may allow. */
  maxWebSocketClients: 8,
  maxWebSocketOrigins: 32,
  /**
   * Viettel-CA loopback listener: the extension's answer to one call (viettel-answer), in bytes as
   * it crosses (its text JSON-escaped, UTF-8). The largest the plugin gives is a CMS
   * (maxCmsBase64Chars); with the frame's envelope every answer allowed fits maxFrameToHostBytes.
   */
  maxViettelAnswerBytes: 48 * 1024,
  /**
   * Viettel-CA loopback listener: one call's headers and body, which a page sends at once. A call
   * still arriving after this is cut (408): slow callers cannot hold the listener's calls.
   */
  maxLoopbackRequestReceiveMs: 60_000,
  /** PKCS#11 module paths the user adds in the options, and the length of each. */
  maxConfiguredModules: 16,
  maxModulePathChars: 1024,
  /** A PDF signature's reason or location, and each line of a Decree 30 text stamp. */
  maxPdfTextChars: 200,
  /** Lines of a Decree 30 text stamp (top right of the page). */
  maxStampLines: 6,
  /** Portal-supplied description shown in the consent window. */
  maxDescriptionChars: 500,
  /** A PDF signature field's fully qualified name (`field`): forms nest a few levels of short names. */
  maxPdfFieldNameChars: 500,
  /**
   * A signature field's certificate seed value (/SV /Cert): certificates it lists as the signer's or
   * the issuers' (forms list a few), and its policy OIDs, subject DNs and key usage patterns. A
   * required list longer than this is a field kyso cannot honour (refused); a hint's is dropped.
   */
  maxSeedCertificates: 8,
  maxSeedEntries: 16,
  /** Document display name. */
  maxDocumentNameChars: 200,
  /** PIN length bounds (PKCS#11 tokens in Vietnam use 4–16; some allow up to 32). */
  minPinChars: 4,
  maxPinChars: 32,
  /** Documents in one batch (one consent, one PIN). */
  maxBatchDocuments: 1000,
  /** Items in one host call of a batch: keeps each answer far below the frame limit. */
  maxBatchItemsPerCall: 32,
  /** A batch nobody continues is closed (and the token logged out) after this. */
  batchIdleTimeoutMs: 60_000,
  /** Requests one origin may make per minute (status and signing alike); more are RATE_LIMITED. */
  maxRequestsPerOriginPerMinute: 30,
  /** Signing requests waiting for the consent window, over all tabs; more are RATE_LIMITED. */
  maxQueuedSignRequests: 5,
  /** How many certificates one listing returns at most. */
  maxCertificates: 64,
  /** Tokens whose left-out certificate objects one listing reports, and the count it reports for one. */
  maxSkippedTokens: 16,
  maxSkippedCount: 100_000,
  /** CA certificates a token holds above its signer's that a batch reports: root, licensed CA, signer, a cross-certificate. */
  maxSignerIssuers: 4,
  /**
   * Certificates one CMS may carry when read (its chain, a time-stamp's: a few dozen at most). pkijs
   * takes milliseconds to read each, so a body of 50 MiB of them would hold a verifier for minutes.
   */
  maxCmsCertificates: 64,
  /** Base64 DER certificate. */
  maxCertificateBase64Chars: 16 * 1024,
  /** The host's answer to a handshake must come within this. */
  hostHandshakeTimeoutMs: 5_000,
  /** One token operation (list, sign) inside the worker. */
  tokenOperationTimeoutMs: 30_000,
  /** A PIN-pad or vendor-dialog login may take as long as a person needs. */
  protectedLoginTimeoutMs: 90_000,
  /** A time-stamp server's answer (the host's TSA client; the extension's wait for a CAdES-T includes it). */
  timestampServerTimeoutMs: 30_000,
  /**
   * A consented request waits this long for its token while another request or another program
   * (a second browser, the CLI) signs with it, then gets BUSY with a retry hint. The extension's
   * wait for the host's answer includes it (jobs.ts).
   */
  tokenWaitMs: 20_000,
  /** Requests waiting for one token in one host; more get BUSY at once. */
  maxRequestsWaitingPerToken: 64,
  /** The PKCS#11 worker stops after this long without token work (and restarts on demand). */
  workerIdleStopMs: 60_000,
  /** How long the consent window waits for the user before cancelling (adjustable in the options: WCAG 2.2.1). */
  userInteractionTimeoutMs: 180_000,
  /** Bounds of that setting (the options page offers 1–15 minutes). */
  minUserInteractionTimeoutMs: 5_000,
  maxUserInteractionTimeoutMs: 900_000,
  /** The SDK gives up waiting for the content script's first acknowledgement. */
  extensionAckTimeoutMs: 1_500,
} as const;
