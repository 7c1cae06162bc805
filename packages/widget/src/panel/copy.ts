/** Clipboard API first; the old select + execCommand path for pages where it is blocked (e.g. iframes). */
export async function copyText(text: string, fallbackInput?: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // permission denied or not focused: try the fallback
  }
  try {
    if (!fallbackInput) return false;
    fallbackInput.focus();
    fallbackInput.select();
    return document.execCommand("copy");
  } catch {
    return false;
  }
}
