/** The encryption worker: record encryption off the page's thread (see crypto/cipherPort). */
import { serveEncryption, type CipherPort } from '../crypto/cipherPort';

serveEncryption(self as unknown as CipherPort);
