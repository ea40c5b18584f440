// A real, certified OpenID Provider for EtlStudio's tests (oidc-provider).
// usage: node oidc-server.mjs <port> <app base url>
// Clients: "etlstudio" (browser sign-in: authorization code + PKCE) and "machine"
// (client credentials; JWT access tokens whose audience is the requested resource).
// Its development login form accepts any login and password. The login is the subject (the dev form makes
// it the account id) and the preferred_username; <login>@example.org is the e-mail (verified, except for
// logins starting "unverified-").
// Like most providers it puts profile and e-mail claims only in userinfo, not in the id_token of a code
// flow; OIDC_CLAIMS_IN_ID_TOKEN=1 puts them in the id_token too.
// Logins starting "wrongaud-", "expired-" or "tampered-" get an id_token broken that way (re-signed with
// the provider's own key for the first two), so the app's refusals can be tested against real sign-ins.
import { createSign, generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const app = process.argv[3];
const issuer = `http://127.0.0.1:${port}`;


// The provider's signing key, ours so that tests can re-sign a token it issued.
const key = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString());
function sign(header, payload) {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = createSign('RSA-SHA256').update(input).sign({ key, format: 'jwk' }).toString('base64url');
  return `${input}.${signature}`;
}
function breakIdToken(idToken, login) {
  const [h, p, sig] = idToken.split('.');
  const header = decode(h);
  const payload = decode(p);
  if (login.startsWith('wrongaud-')) return sign(header, { ...payload, aud: 'someone-else' });
  if (login.startsWith('expired-')) return sign(header, { ...payload, iat: payload.iat - 7200, exp: payload.iat - 3600 });
  if (login.startsWith('tampered-')) return `${h}.${b64({ ...payload, sub: 'erin' })}.${sig}`;
  return idToken;
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'etlstudio',
      client_secret: 'etlstudio-test-secret',
      redirect_uris: [`${app}/auth/callback`],
      post_logout_redirect_uris: [`${app}/auth/signed-out`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
    {
      client_id: 'machine',
      client_secret: 'machine-test-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
    {
      client_id: 'short-lived',
      client_secret: 'short-lived-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [key] },
  pkce: { required: () => true },
  conformIdTokenClaims: process.env.OIDC_CLAIMS_IN_ID_TOKEN !== '1',
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
  async findAccount(ctx, login) {
    const sub = login;
    const unverified = login.startsWith('unverified-');
    const person = unverified ? login.slice('unverified-'.length) : login;
    return {
      accountId: login,
      async claims() {
        return {
          sub, name: `${person[0].toUpperCase()}${person.slice(1)} Provider`, preferred_username: login,
          email: `${person}@example.org`, email_verified: !unverified,
        };
      },
    };
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Machine clients get JWTs for the API; the browser client's access token stays for userinfo (no resource).
      defaultResource: (ctx, client) => (client.clientId === 'etlstudio' ? undefined : 'urn:etlstudio:api'),
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'api',
        // EtlStudio expects the audience "etlstudio"; any other resource gives a token for someone else.
        audience: resource === 'urn:etlstudio:api' ? 'etlstudio' : resource,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  ttl: {
    IdToken: 600, AccessToken: 600, Session: 3600, Interaction: 600, Grant: 3600,
    // "short-lived" exists to test that expired tokens are refused.
    ClientCredentials: (ctx, token, client) => (client.clientId === 'short-lived' ? 5 : 600),
  },
});
provider.proxy = false;

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.body && typeof ctx.body === 'object' && ctx.body.id_token) {
    const login = decode(ctx.body.id_token.split('.')[1]).sub ?? '';
    ctx.body = { ...ctx.body, id_token: breakIdToken(ctx.body.id_token, login) };
  }
});

provider.listen(port, '127.0.0.1', () => console.log(`READY ${port}`));
