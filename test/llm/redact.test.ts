import { describe, expect, it } from "vitest";
import { redactText, redactUrl } from "../../src/net/redact.js";

describe("redactUrl", () => {
  it.each([
    ["https://user:key@host/v1", "https://user:***@host/v1"],
    [
      "http://user:secret@127.0.0.1:8000/v1/chat/completions",
      "http://user:***@127.0.0.1:8000/v1/chat/completions",
    ],
    ["https://token@github.com/org/repo", "https://***@github.com/org/repo"],
    ["https://user:@host/", "https://user:***@host/"],
    ["https://host/v1?key=abc&model=m", "https://host/v1?key=***&model=m"],
    ["https://host/x?api_key=abc#frag", "https://host/x?api_key=***#frag"],
    ["https://host/x?a=1&token=t0k&access_token=z", "https://host/x?a=1&token=***&access_token=***"],
    ["https://host/x?API-KEY=abc", "https://host/x?API-KEY=***"],
    ["https://host/x?monkey=1&keyword=2", "https://host/x?monkey=1&keyword=2"],
    ["http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"],
    [
      "https://drive.usercontent.google.com/download?id=1tG&export=download&confirm=t",
      "https://drive.usercontent.google.com/download?id=1tG&export=download&confirm=t",
    ],
    ["not a url", "not a url"],
  ])("%s → %s", (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });
});

describe("redactText", () => {
  it("redacts every URL inside a message and keeps the rest", () => {
    expect(
      redactText(
        'Request cannot be constructed from a URL that includes credentials: http://u:p@h/v1 (see "https://a:b@c/?token=x")',
      ),
    ).toBe(
      'Request cannot be constructed from a URL that includes credentials: http://u:***@h/v1 (see "https://a:***@c/?token=***")',
    );
  });
});
