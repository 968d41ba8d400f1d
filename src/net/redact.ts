/**
 * Secrets kept out of messages and files: the credentials of a URL (`https://user:key@host/…` →
 * `https://user:***@host/…`) and the values of query parameters that carry keys or tokens (`?key=…`,
 * `api_key=…`, `token=…` → `***`). Everything else of the text is kept as written.
 */

/** `scheme://userinfo@`: the userinfo is everything up to the first `@` before the host's end. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'<>]*)@/gi;

/** Query parameters whose values are secrets (matched whole, in any case). */
const SECRET_PARAM =
  /([?&;](?:key|api[_-]?key|token|access[_-]?token|auth[_-]?token|id[_-]?token|refresh[_-]?token|password|passwd|secret|client[_-]?secret|sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential|x-goog-signature|x-goog-credential)=)[^&#\s"'<>]*/gi;

/**
 * `url` with its password (or a user name given alone, which may be a token) and its secret query values
 * replaced by `***`: `https://user:key@host/v1?api_key=abc` → `https://user:***@host/v1?api_key=***`.
 * Works on any string (a URL that does not parse is redacted as text).
 */
export function redactUrl(url: string): string {
  return redactText(url);
}

/**
 * `text` with every URL in it redacted as {@link redactUrl} does: for messages that quote a URL or a library's
 * error message (which may quote the URL it was given).
 */
export function redactText(text: string): string {
  return text
    .replace(USERINFO, (_, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(":");
      return `${scheme}${colon >= 0 ? `${userinfo.slice(0, colon)}:***` : "***"}@`;
    })
    .replace(SECRET_PARAM, "$1***");
}
