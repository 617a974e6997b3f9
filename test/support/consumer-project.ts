import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes the tsconfig.json of a portal's own strict TypeScript project (NodeNext modules, as a
 * package consumer has them) into `dir`; `options` adds to or overrides its compiler options.
 */
export function writeStrictConsumerTsconfig(
  dir: string,
  options: Record<string, unknown>,
  files?: string[],
): void {
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        noEmit: true,
        ...options,
      },
      ...(files && { files }),
    }),
  );
}
