// The printable judge QR cards page: a print button and copy-link buttons (no inline handlers: CSP).
import { wireCopyButtons } from './console_ui.js';

wireCopyButtons(document);
document.getElementById('print').addEventListener('click', () => window.print());
