// Re-exports for the unit tests, resolved from the pack's own node_modules (the repo root has no @pulumi/policy).
export { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
export type { ResourceValidationArgs, StackValidationArgs, ResourceValidationPolicy, StackValidationPolicy, PolicyResource } from "@pulumi/policy";

// Sentinels the engine uses for values unknown during preview (@pulumi/policy proxy.js, internal).
export const UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2";
export const UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421";
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
