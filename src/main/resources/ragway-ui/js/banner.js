// The one error banner at the top of every page.
import { describe } from './api.js';

export function showError(e, kind = 'error') {
  const banner = document.getElementById('banner');
  document.getElementById('banner-text').textContent = typeof e === 'string' ? e : describe(e);
  banner.classList.toggle('warn', kind === 'warn');
  banner.dataset.code = (e && e.code) || '';
  banner.dataset.status = (e && e.status) ?? '';
  banner.hidden = false;
}

export function clearError() {
  document.getElementById('banner').hidden = true;
}

