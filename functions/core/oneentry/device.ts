/**
 * The device a deployment presents to OneEntry. OneEntry binds every refresh token to the
 * `x-device-metadata` fingerprint sent when it was issued, so all processes of a deployment
 * must present the same one (the SDK on Node invents one per process, which is what broke).
 */
import { randomUUID } from 'node:crypto';

/** The SDK's fingerprint prefix; a device id given with it is used as it is. */
const FINGERPRINT_PREFIX = 'UQ_';

/** A new device id, made once per deployment and then kept in the credential state. */
export const newDeviceId = (): string => randomUUID().replaceAll('-', '');

export const fingerprintOf = (deviceId: string): string =>
  deviceId.startsWith(FINGERPRINT_PREFIX) ? deviceId : `${FINGERPRINT_PREFIX}${deviceId}`;

/** The `x-device-metadata` header, in the JSON shape the official SDK sends from Node. */
export function deviceMetadataHeader(deviceId: string): string {
  return JSON.stringify({
    fingerprint: fingerprintOf(deviceId),
    deviceInfo: { os: 'Node.js', browser: 'payment-session-watch', location: 'en-US' },
  });
}
