import { z } from "zod";
import { Name } from "./command.ts";
import { PublicUser } from "./auth.ts";

// Second factors (TOTP, recovery codes, passkeys), the two-step sign-in, and step-up for approvals with effects.

/** How a session proved who its user is. `password` counts as a proof only for an account with no second factor. */
export const PROOF_METHODS = ["password", "totp", "recovery", "passkey"] as const;
export const ProofMethod = z.enum(PROOF_METHODS);
export type ProofMethod = z.infer<typeof ProofMethod>;

/** What a step-up (or a second sign-in step) can be answered with, as a `step_up_required` error lists them. */
export const StepUpMethod = z.enum(["password", "totp", "passkey"]);
export type StepUpMethod = z.infer<typeof StepUpMethod>;

/** A six-digit code from an authenticator app; spaces are forgiven. */
export const TotpCode = z
  .string({ error: "Enter the 6-digit code from your authenticator app." })
  .transform((s) => s.replace(/\s+/g, ""))
  .pipe(z.string().regex(/^\d{6}$/, { error: "Enter the 6-digit code from your authenticator app." }));

/** A recovery code as printed (`abcde-12345`); case, spaces and the dash are forgiven. */
export const RecoveryCode = z
  .string({ error: "Enter one of your recovery codes." })
  .transform((s) => s.toLowerCase().replace(/[\s-]+/g, ""))
  .pipe(z.string().regex(/^[a-z0-9]{10}$/, { error: "A recovery code is 10 letters and digits, like abcde-12345." }));

/** API → client: POST /api/auth/login when the account needs a second step. Nothing is signed in yet. */
export const SecondFactorChallenge = z.object({
  second_factor: z.object({
    /** Single use, short-lived: send it back with the second step. */
    token: z.string(),
    methods: z.array(z.enum(["totp", "recovery", "passkey"])),
    expires_at: z.number(),
  }),
});
export type SecondFactorChallenge = z.infer<typeof SecondFactorChallenge>;

/** API → client: POST /api/auth/login either signs in or asks for a second factor. */
export const LoginResponse = z.union([z.object({ user: PublicUser }), SecondFactorChallenge]);
export type LoginResponse = z.infer<typeof LoginResponse>;

/** client → API: POST /api/auth/login/second-factor */
export const SecondFactorRequest = z.discriminatedUnion("method", [
  z.object({ token: z.string().min(1).max(100), method: z.literal("totp"), code: TotpCode }),
  z.object({ token: z.string().min(1).max(100), method: z.literal("recovery"), code: RecoveryCode }),
]);

const B64Url = z.string().max(16_384).regex(/^[A-Za-z0-9_-]*$/, { error: "Expected base64url." });
const Transport = z.enum(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);
/** How a browser reaches an authenticator, as stored with a passkey; an unknown list reads as none. */
export const PasskeyTransports = z.array(Transport).catch([]);
const ClientExtensionResults = z.object({ credProps: z.object({ rk: z.boolean().optional() }).optional() });

const Descriptor = z.object({ id: B64Url, type: z.literal("public-key"), transports: PasskeyTransports.optional() });

/** API → browser: what `navigator.credentials.create()` is asked (the fields Hearth sets; the rest stay default). */
export const PasskeyCreationOptions = z.object({
  challenge: B64Url,
  rp: z.object({ name: z.string(), id: z.string().optional() }),
  user: z.object({ id: B64Url, name: z.string(), displayName: z.string() }),
  pubKeyCredParams: z.array(z.object({ alg: z.number().int(), type: z.literal("public-key") })),
  timeout: z.number().optional(),
  excludeCredentials: z.array(Descriptor).optional(),
  authenticatorSelection: z
    .object({
      residentKey: z.enum(["discouraged", "preferred", "required"]).optional(),
      requireResidentKey: z.boolean().optional(),
      userVerification: z.enum(["discouraged", "preferred", "required"]).optional(),
      authenticatorAttachment: z.enum(["cross-platform", "platform"]).optional(),
    })
    .optional(),
  attestation: z.enum(["direct", "enterprise", "indirect", "none"]).optional(),
});

/** API → browser: what `navigator.credentials.get()` is asked. */
export const PasskeyRequestOptions = z.object({
  challenge: B64Url,
  rpId: z.string().optional(),
  timeout: z.number().optional(),
  allowCredentials: z.array(Descriptor).optional(),
  userVerification: z.enum(["discouraged", "preferred", "required"]).optional(),
});

/** A browser's answer to `navigator.credentials.create()`, as @simplewebauthn/browser serialises it. */
export const RegistrationCredential = z.object({
  id: B64Url,
  rawId: B64Url,
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: B64Url,
    attestationObject: B64Url,
    authenticatorData: B64Url.optional(),
    transports: z.array(Transport).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: B64Url.optional(),
  }),
  authenticatorAttachment: z.enum(["cross-platform", "platform"]).optional(),
  clientExtensionResults: ClientExtensionResults,
});

/** A browser's answer to `navigator.credentials.get()`. */
export const AuthenticationCredential = z.object({
  id: B64Url,
  rawId: B64Url,
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: B64Url,
    authenticatorData: B64Url,
    signature: B64Url,
    userHandle: B64Url.optional(),
  }),
  authenticatorAttachment: z.enum(["cross-platform", "platform"]).optional(),
  clientExtensionResults: ClientExtensionResults,
});

export const PasskeyName = z
  .string({ error: "Name the passkey, like \"Laptop\" or \"Phone\"." })
  .trim()
  .min(1, { error: "Name the passkey, like \"Laptop\" or \"Phone\"." })
  .max(60, { error: "Use at most 60 characters for the name." });

/** client → API: POST /api/auth/passkeys/sign-in/options and /sign-in. With `token`, the passkey is the second step. */
export const PasskeySignInOptionsRequest = z.object({ token: z.string().min(1).max(100).optional() });
export const PasskeySignInRequest = z.object({ token: z.string().min(1).max(100).optional(), credential: AuthenticationCredential });

/** client → API: POST /api/auth/passkeys */
export const AddPasskeyRequest = z.object({ name: PasskeyName, credential: RegistrationCredential });
/** client → API: PATCH /api/auth/passkeys/:id */
export const RenamePasskeyRequest = z.object({ name: PasskeyName });

/** A passkey, as the settings page lists it. */
export const PasskeyView = z.object({ id: z.string(), name: z.string(), created_at: z.number(), last_used_at: z.number().nullable() });
export type PasskeyView = z.infer<typeof PasskeyView>;

/** client → API: POST /api/auth/step-up */
export const StepUpRequest = z.discriminatedUnion("method", [
  z.object({ method: z.literal("totp"), code: TotpCode }),
  z.object({ method: z.literal("password"), password: z.string().min(1, { error: "Enter your password." }).max(256) }),
  z.object({ method: z.literal("passkey"), credential: AuthenticationCredential }),
]);

/** The targets whose approvals can carry effects; read-only actions never need a step-up. */
export const STEP_UP_TARGETS = ["filesystem", "shell", "apps", "browser"] as const;
export const STEP_UP_DEFAULT_MINUTES = 5;
/** Per target: for how many minutes after a proof an approval with effects goes through. */
export const StepUpMinutes = z.record(Name, z.number().int().min(1, { error: "Use 1 to 60 minutes." }).max(60, { error: "Use 1 to 60 minutes." }));
export type StepUpMinutes = z.infer<typeof StepUpMinutes>;

/** API → client: GET /api/auth/security, the "Sign-in and security" page. */
export const SecurityView = z.object({
  totp: z.boolean(),
  passkeys: z.array(PasskeyView),
  recovery_codes_left: z.number().int(),
  require_second_factor: z.boolean(),
  step_up_minutes: StepUpMinutes,
  /** This session's last proof, if any. */
  proved_at: z.number().nullable(),
  /** What a step-up can be answered with for this account now. */
  methods: z.array(StepUpMethod),
});
export type SecurityView = z.infer<typeof SecurityView>;

/** client → API: PUT /api/auth/security */
export const UpdateSecurityRequest = z.object({
  require_second_factor: z.boolean().optional(),
  step_up_minutes: StepUpMinutes.optional(),
});

/** API → client: POST /api/auth/totp/setup. `uri` is the otpauth:// URI the QR code carries. */
export const TotpSetupResponse = z.object({ secret: z.string(), uri: z.string() });
/** client → API: POST /api/auth/totp/confirm */
export const TotpConfirmRequest = z.object({ code: TotpCode });
/** API → client: new recovery codes, shown once. */
export const RecoveryCodesResponse = z.object({ recovery_codes: z.array(z.string()) });
