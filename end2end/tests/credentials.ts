// Reads the demo credentials the server printed and saved at first start, so the
// browser test signs in exactly as a newcomer following `make run` would.
import { readFileSync } from "node:fs";

export interface Account {
  email: string;
  password: string;
}

export function demoAccount(role: "admin" | "marketer"): Account {
  const file = process.env.TITAN_E2E_CREDENTIALS;
  if (!file) throw new Error("TITAN_E2E_CREDENTIALS is not set (run through scripts/e2e.sh)");
  const text = readFileSync(file, "utf8");
  const match = text.match(new RegExp(`${role}:\\s+(\\S+) / (\\S+)`));
  if (!match) throw new Error(`no ${role} credentials in ${file}:\n${text}`);
  return { email: match[1], password: match[2] };
}
