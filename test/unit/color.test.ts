import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { OutputStream } from "../../src/context.ts";
import { colorEnabled } from "../../src/ui/output.ts";

const terminal: OutputStream = Object.assign(new PassThrough(), { isTTY: true });
const pipe: OutputStream = new PassThrough();

describe("the colour rule", () => {
  it("colours a terminal, not a pipe nor TERM=dumb", () => {
    expect(colorEnabled(terminal, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(colorEnabled(terminal, { TERM: "dumb" })).toBe(false);
  });

  it("CLICOLOR=0 turns colour off as NO_COLOR does; other CLICOLOR values change nothing", () => {
    expect(colorEnabled(terminal, { CLICOLOR: "0" })).toBe(false);
    expect(colorEnabled(terminal, { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled(terminal, { CLICOLOR: "1" })).toBe(true);
    expect(colorEnabled(pipe, { CLICOLOR: "1" })).toBe(false);
  });

  it("CLICOLOR_FORCE other than 0 colours even a pipe, unless NO_COLOR or --no-color", () => {
    expect(colorEnabled(pipe, { CLICOLOR_FORCE: "1" })).toBe(true);
    expect(colorEnabled(pipe, { CLICOLOR_FORCE: "1", CLICOLOR: "0" })).toBe(true);
    expect(colorEnabled(pipe, { CLICOLOR_FORCE: "0" })).toBe(false);
    expect(colorEnabled(pipe, { CLICOLOR_FORCE: "" })).toBe(false);
    expect(colorEnabled(terminal, { CLICOLOR_FORCE: "1", NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled(pipe, { CLICOLOR_FORCE: "1" }, false)).toBe(false);
  });

  it("FORCE_COLOR decides before the CLICOLOR pair", () => {
    expect(colorEnabled(pipe, { FORCE_COLOR: "1", CLICOLOR: "0" })).toBe(true);
    expect(colorEnabled(terminal, { FORCE_COLOR: "0", CLICOLOR_FORCE: "1" })).toBe(false);
  });
});
