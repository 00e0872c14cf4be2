// The credential shapes one scope can hold: Keystone v3 password or application credential
// (clouds.yaml auth_type password / v3applicationcredential, or the same as OS_* variables).

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface NamedRef {
  readonly id?: string;
  readonly name?: string;
  readonly domainId?: string;
  readonly domainName?: string;
}

interface CredentialsBase {
  /** The clouds.yaml entry name, or "OS_* environment". For messages; never secret. */
  readonly cloud: string;
  /** Where these came from: a file path, or "environment (OS_* variables)". */
  readonly source: string;
  /** Keystone URL as given (with or without /v3). */
  readonly authUrl: string;
  readonly region?: string;
  readonly interface?: EndpointInterface;
  /** CA bundle path (clouds.yaml cacert / OS_CACERT). */
  readonly cacert?: string;
  /** clouds.yaml verify: false / OS_INSECURE. */
  readonly insecure?: boolean;
}

export interface PasswordCredentials extends CredentialsBase {
  readonly authType: 'password';
  readonly user: NamedRef;
  readonly password: string;
  /** The project scope the entry names (admin-openrc's project); a tenant session ignores it and narrows by id. */
  readonly project?: NamedRef;
}

export interface AppCredentialCredentials extends CredentialsBase {
  readonly authType: 'v3applicationcredential';
  readonly applicationCredential: {
    readonly id?: string;
    readonly name?: string;
    readonly secret: string;
    /** Needed only when the credential is given by name. */
    readonly user?: NamedRef;
  };
}

export type CloudCredentials = PasswordCredentials | AppCredentialCredentials;

/** "cloud 'sim-admin' (/path/clouds.yaml)" — how every credentials message names its origin. */
export function describeOrigin(c: Pick<CloudCredentials, 'cloud' | 'source'>): string {
  return `cloud '${c.cloud}' (${c.source})`;
}
