/**
 * `npm start`'s entry point. Node's compile cache goes on before anything else loads: the
 * compiled code of the modules below (the AWS SDK above all) is kept in the OS temp dir, so a
 * later start compiles less (about a sixth of the CPU it spends until it is ready).
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./start');
