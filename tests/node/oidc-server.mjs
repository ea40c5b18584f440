// A real, certified OpenID Provider for EtlStudio's tests (oidc-provider).
// usage: node oidc-server.mjs <port> <app base url>
// Clients: "etlstudio" (browser sign-in: authorization code + PKCE) and "machine"
// (client credentials; JWT access tokens whose audience is the requested resource).
// Its development login form accepts any login and password; the login becomes the subject.
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const app = process.argv[3];
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'etlstudio',
      client_secret: 'etlstudio-test-secret',
      redirect_uris: [`${app}/auth/callback`],
      post_logout_redirect_uris: [`${app}/signin`],
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
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: `${id[0].toUpperCase()}${id.slice(1)} Provider`, preferred_username: id, email: `${id}@example.org` };
      },
    };
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:etlstudio:api',
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

provider.listen(port, '127.0.0.1', () => console.log(`READY ${port}`));
