/**
 * The folders on the deploying machine that hold keys: Terraform state (every generated key, in plain text)
 * and cdktf.out (after `cdktf diff`/`deploy`, each stack's saved `plan` holds the values it applies, keys
 * included). Terraform and cdktf write those files 0644 under the usual umask; the folders holding them are made
 * 0700 at every synth, so no other user of the machine can reach the files inside, whatever their modes.
 */
import { chmodSync, mkdirSync } from 'fs';

/** Mode of folders holding keys: the operator alone. */
export const SECRET_DIR_MODE = 0o700;

/** Creates (if needed) each folder and restricts it to its owner. */
export function restrictSecretDirs(dirs: readonly string[]): void {
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true, mode: SECRET_DIR_MODE });
    chmodSync(dir, SECRET_DIR_MODE);
  }
}
