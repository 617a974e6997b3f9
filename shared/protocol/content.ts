/**
 * Content script ⇄ background messages, each checked by its schema on arrival (either side may be
 * talking to something else: a page can post anything to the content script, and runtime messages
 * reach every listener of the extension).
 */
import { z } from 'zod';
import { answerSchema } from './common.js';
import { PageRequestEnvelopeSchema } from './page.js';

/**
 * Content script → background: a page's request, as the content script validated it. `pdfTails`:
 * the content script keeps the page's PDFs, so signed PDFs may come back as their tails (pdf-tails.ts).
 */
export const ContentRequestSchema = z.strictObject({
  envelope: PageRequestEnvelopeSchema,
  pdfTails: z.literal(true).optional(),
});
export type ContentRequest = z.infer<typeof ContentRequestSchema>;

/** Background → content script: the answer to a ContentRequest (its result is checked by the table in requests/). */
export const ContentAnswerSchema = answerSchema(z.unknown());

/**
 * The content script's one port to the background, opened at its first request (or when a page
 * of an allowed site loads): a message each way per request, where runtime.sendMessage opens and
 * closes a channel each time. Requests and preconnects go up it; answers come down, each naming
 * the request it answers.
 */
export const PAGE_PORT = 'kyso-page';
export const PagePortAnswerSchema = z.strictObject({
  answerTo: PageRequestEnvelopeSchema.shape.id,
  answer: ContentAnswerSchema,
});
export type PagePortAnswer = z.infer<typeof PagePortAnswerSchema>;

/** Background → content script, unasked: batch progress for the page's request `id`. */
export const ProgressMessageSchema = z.strictObject({
  progress: z.strictObject({
    id: PageRequestEnvelopeSchema.shape.id,
    done: z.number().int().min(0),
    total: z.number().int().min(1),
  }),
});
export type ProgressMessage = z.infer<typeof ProgressMessageSchema>;

/**
 * Content script → background, unasked, when a page loads on a site the user allowed to sign: the
 * background starts the host now (checking the site itself, from the sender), so the first
 * signature does not wait for it. Carries nothing from the page.
 */
export const PreconnectMessageSchema = z.strictObject({ preconnect: z.literal(true) });
export type PreconnectMessage = z.infer<typeof PreconnectMessageSchema>;

/** Content script → background: the page gave up on its request `cancel` (see PageCancelEnvelopeSchema). */
export const CancelMessageSchema = z.strictObject({ cancel: PageRequestEnvelopeSchema.shape.id });
export type CancelMessage = z.infer<typeof CancelMessageSchema>;
