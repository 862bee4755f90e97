// Independent check: verifies a token with AWS's own verifier (aws-jwt-verify)
// and prints its payload as JSON. Usage: node verify-with-aws-jwt-verify.mjs
//   JWKS_URL ISSUER CLIENT_ID TOKEN_USE TOKEN
// cognito-local's issuer is not a cognito-idp URL, so the generic RSA verifier
// is used with the same checks CognitoJwtVerifier makes: signature by kid,
// exp, iss, aud (id) or client_id (access), token_use. aws-jwt-verify fetches
// JWKS over HTTPS only and cognito-local serves HTTP, so the JWKS is fetched
// here and handed to the verifier's cache (its documented cacheJwks).
import { JwtRsaVerifier } from "aws-jwt-verify";

const [jwksUrl, issuer, clientId, tokenUse, token] = process.argv.slice(2);
const verifier = JwtRsaVerifier.create({
  issuer,
  jwksUri: "https://jwks.invalid/unused",
  audience: tokenUse === "id" ? clientId : null,
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== tokenUse) throw new Error(`token_use is ${payload.token_use}`);
    if (tokenUse === "access" && payload.client_id !== clientId) throw new Error("client_id mismatch");
  },
});
try {
  verifier.cacheJwks(await (await fetch(jwksUrl)).json());
  const payload = await verifier.verify(token);
  process.stdout.write(JSON.stringify(payload));
} catch (e) {
  console.error(`aws-jwt-verify: ${e.name}: ${e.message}`);
  process.exit(1);
}
