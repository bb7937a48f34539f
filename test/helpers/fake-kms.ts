import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'crypto';
import {
  DecryptCommand, GenerateDataKeyCommand, GenerateMacCommand, KMSClient, KMSServiceException,
  type DecryptCommandInput, type GenerateDataKeyCommandInput, type GenerateMacCommandInput,
} from '@aws-sdk/client-kms';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

/** The KMS operations the tokenizer handlers call. */
export type KmsOperation = 'GenerateDataKey' | 'Decrypt' | 'GenerateMac';

/** ARNs of the fake's two keys (any account: the fake checks them literally). */
export const FAKE_VALUE_KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-00000000aaaa';
export const FAKE_FINGERPRINT_KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-00000000bbbb';

function kmsError(name: string, message: string): KMSServiceException {
  return new KMSServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/** The encryption context as KMS binds it: sorted pairs, so the order of the keys does not matter. */
function canonicalContext(context: Record<string, string> | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}

/**
 * A local KMS behind a real `KMSClient` (its `send` is replaced by aws-sdk-client-mock): a
 * symmetric key that really encrypts data keys with AES-256-GCM, binding the encryption context
 * as KMS does, and an HMAC key. It checks key ids, key specs and encryption contexts as KMS would,
 * and counts the calls. Key material is random per instance: two instances are two KMS keys.
 */
export class FakeKms {
  /** The client to give to a handler. */
  public readonly client = new KMSClient({ region: 'us-east-1', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } });
  /** Calls per operation since the last `resetCounts()`. */
  public readonly calls: Record<KmsOperation, number> = { GenerateDataKey: 0, Decrypt: 0, GenerateMac: 0 };
  private readonly mock: AwsClientStub<KMSClient>;
  private readonly master = randomBytes(32);
  private readonly macKey = randomBytes(32);
  private readonly failures = new Map<KmsOperation, string>();

  constructor(
    public readonly valueKeyArn = FAKE_VALUE_KEY_ARN,
    public readonly fingerprintKeyArn = FAKE_FINGERPRINT_KEY_ARN,
  ) {
    this.mock = mockClient(this.client);
    this.mock.on(GenerateDataKeyCommand).callsFake(input => this.generateDataKey(input));
    this.mock.on(DecryptCommand).callsFake(input => this.decrypt(input));
    this.mock.on(GenerateMacCommand).callsFake(input => this.generateMac(input));
  }

  /** Total calls. */
  public get total(): number {
    return this.calls.GenerateDataKey + this.calls.Decrypt + this.calls.GenerateMac;
  }

  public resetCounts(): void {
    for (const op of Object.keys(this.calls) as KmsOperation[]) this.calls[op] = 0;
  }

  /** Makes every later call of `operation` fail with the error `name` (e.g. `AccessDeniedException`), until `heal()`. */
  public fail(operation: KmsOperation, name: string): void {
    this.failures.set(operation, name);
  }

  public heal(): void {
    this.failures.clear();
  }

  private check(operation: KmsOperation, keyId: string | undefined, expected: string): void {
    this.calls[operation]++;
    const failure = this.failures.get(operation);
    if (failure !== undefined) throw kmsError(failure, `${operation} is failing (test)`);
    if (keyId !== expected) throw kmsError('NotFoundException', `${operation}: key ${keyId} does not exist`);
  }

  private async generateDataKey(input: GenerateDataKeyCommandInput) {
    this.check('GenerateDataKey', input.KeyId, this.valueKeyArn);
    if (input.KeySpec !== 'AES_256') throw kmsError('ValidationException', 'the test expects KeySpec AES_256');
    const plaintext = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.master, iv);
    cipher.setAAD(canonicalContext(input.EncryptionContext));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      KeyId: this.valueKeyArn,
      Plaintext: new Uint8Array(plaintext),
      CiphertextBlob: new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()])),
    };
  }

  private async decrypt(input: DecryptCommandInput) {
    this.check('Decrypt', input.KeyId, this.valueKeyArn);
    const blob = Buffer.from(input.CiphertextBlob ?? new Uint8Array());
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.master, blob.subarray(0, 12));
      decipher.setAAD(canonicalContext(input.EncryptionContext));
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      const plaintext = Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
      return { KeyId: this.valueKeyArn, Plaintext: new Uint8Array(plaintext) };
    } catch {
      throw kmsError('InvalidCiphertextException', 'the ciphertext or its encryption context does not match');
    }
  }

  private async generateMac(input: GenerateMacCommandInput) {
    this.check('GenerateMac', input.KeyId, this.fingerprintKeyArn);
    if (input.MacAlgorithm !== 'HMAC_SHA_256') throw kmsError('InvalidKeyUsageException', 'the fingerprint key is HMAC_256');
    const mac = createHmac('sha256', this.macKey).update(Buffer.from(input.Message ?? new Uint8Array())).digest();
    return { KeyId: this.fingerprintKeyArn, MacAlgorithm: input.MacAlgorithm, Mac: new Uint8Array(mac) };
  }
}
