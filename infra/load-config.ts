// Reads this project's settings from the Pulumi engine and validates them (see config.ts).
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, parseStackConfig, RawStackConfig, StackConfig } from "./config";

/** All `dpg-cluster:*` settings, objects parsed from their JSON form, so typos are seen too. */
export function readRawConfig(): RawStackConfig {
  const raw: RawStackConfig = {};
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    const [namespace, key] = fullKey.split(":", 2);
    if (namespace !== CONFIG_NAMESPACE || key === undefined) continue;
    raw[key] = parseConfigValue(value);
  }
  return raw;
}

/** Pulumi hands every value over as a string; structured and numeric values come as JSON. */
function parseConfigValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function loadStackConfig(): StackConfig {
  return parseStackConfig(readRawConfig(), pulumi.getStack());
}
