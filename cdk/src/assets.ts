// The builds shipped in the package (assets/, arm64, made by `make cdk`
// with `cargo lambda build --release --arm64 --output-format zip`).

import * as fs from "node:fs";
import * as path from "node:path";
import * as lambda from "aws-cdk-lib/aws-lambda";

/** The package's root (lib/ and src/ are one level down). */
export const PACKAGE_ROOT = path.join(__dirname, "..");

/** `pretoken-lambda`, `pretoken-lambda-lookups` or `pretoken-validate`, as Lambda code. */
export function bundledCode(build: string, architecture: lambda.Architecture, where: string, override: string): lambda.Code {
  if (architecture.name !== lambda.Architecture.ARM_64.name) {
    throw new Error(`${where}: the bundled builds are arm64; for ${architecture.name} pass ${override} (your own cargo lambda build)`);
  }
  const zip = path.join(PACKAGE_ROOT, "assets", `${build}.zip`);
  if (!fs.existsSync(zip)) {
    throw new Error(`${where}: ${zip} is missing: build the package with \`make cdk\`, or pass ${override}`);
  }
  return lambda.Code.fromAsset(zip);
}
