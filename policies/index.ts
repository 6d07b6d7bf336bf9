// Entry point for `pulumi preview --policy-pack policies`. Constructing a PolicyPack starts a gRPC server,
// so tests import ./pack/policies instead of this file.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./pack/policies";

new PolicyPack("dpg-readiness", { policies: allPolicies(), enforcementLevel: "advisory" });
