/**
 * fetch() with errors a reader can act on: each failure names the URL (and the HTTP status).
 * Shared by the explorer and the page scripts (src/pages/).
 */

/** Fetch `url`; reject unless the response is 2xx. */
export async function fetchOk(url) {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`could not load ${url} (HTTP ${res.status})`);
  return res;
}

/** Fetch and parse JSON; a body that is not JSON rejects with a message naming the URL. */
export async function fetchJSON(url) {
  const res = await fetchOk(url);
  try {
    return await res.json();
  } catch (e) {
    throw new Error(`${url} is not valid JSON`);
  }
}

/** Fetch an ArrayBuffer. */
export async function fetchBytes(url) {
  return (await fetchOk(url)).arrayBuffer();
}
