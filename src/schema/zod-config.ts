// zod without its JIT: the JIT compiles parsers with `new Function`, which the Content-Security-Policy forbids (no
// 'unsafe-eval'). Imported first by every entry (page, widget, worker, service worker), before any schema is built.
import { z } from 'zod';

z.config({ jitless: true });
