// The reference server serving the built demo the way scripts/start.sh does (www/dist at /,
// pkg/ at /pkg), on 127.0.0.1 and a free port.
import { join } from 'node:path';
import { ROOT, startServer } from '../../browser/support/server.js';

export { ROOT };

export function startDemoServer() {
  return startServer({ statics: [join(ROOT, 'www', 'dist'), `/pkg=${join(ROOT, 'pkg')}`] });
}
