import { isKubeletKitError, type KubeletKitError } from "@kubelet-kit/core";

/** The KubeletKitError `call` rejects with; throws when it resolves or rejects with anything else. */
export async function rejection(call: Promise<unknown>): Promise<KubeletKitError> {
  try {
    await call;
  } catch (err) {
    if (isKubeletKitError(err)) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}
