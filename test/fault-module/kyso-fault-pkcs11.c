/*
 * kyso-fault-pkcs11: a PKCS#11 module that forwards to a real one (SoftHSM in tests) and injects
 * the faults real tokens and vendor drivers produce but SoftHSM cannot: a locked PIN, PIN pads,
 * keys that want the PIN per signature, tokens pulled out mid-signature, drivers that hang, crash
 * or print to stdout, missing mechanisms.
 *
 * KYSO_FAULT_TARGET   the real module (default /usr/lib/softhsm/libsofthsm2.so)
 * KYSO_FAULT_CONTROL  a file read on every call, one directive per line (# comments):
 *   pin_locked | pin_count_low | pin_final_try | protected_auth_path <real-pin> | always_authenticate
 *   device_removed_on_sign | token_absent | stdout_noise | hang <C_Fn> | segfault <C_Fn>
 *   no_mechanism <CKM_NAME|0xHEX> | fail_function <C_Fn> <0xCKR> | slow <C_Fn> <ms>
 *   hide_token <label>: the token with this label (one of several) is not in its slot, the others are
 *   fail_slot <label> <C_Fn> <0xCKR>: C_Fn fails with CKR for the slot of the token with this label
 *     only (C_GetTokenInfo, C_GetSlotInfo, C_OpenSession, or C_FindObjects in a session on it): one
 *     flaky reader among several of the same driver
 *   fail_object <CKA_LABEL> <0xCKR>: C_GetAttributeValue fails with CKR for the objects with this label
 *     (an odd object a vendor driver cannot read), the others answer
 *   slots_at_initialize: whether a token is there is what it was at C_Initialize (token_absent,
 *     hide_token then or not), as modules that take a snapshot of the devices at C_Initialize report
 *     it: a token plugged in later is seen only after C_Finalize and C_Initialize (PKCS#11 allows this).
 *   helper_process <pidfile>: the first C_Initialize in a process starts a helper process that lives
 *     on (10 min) with the process's file descriptors, as vendor drivers that start a daemon do; its
 *     pid is appended to <pidfile> (for the test to end it).
 * No file, or an empty one: pure pass-through.
 * KYSO_FAULT_TRACE    a file each wrapped call appends "<pid> <C_Fn>" to as it starts (and
 *   "<pid> <C_Fn> done" as a slowed one ends): shows that a process logged out and finalised.
 *
 * hang/segfault/fail_function/stdout_noise apply to the functions wrapped below (all those kyso
 * calls, plus a few informational ones); the others go straight to the real module.
 * Build: test/fault-module/build.sh (needs pkcs11.h from Debian's libp11-kit-dev).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <p11-kit/pkcs11.h>

#define MAX_LIST 16
#define WORD 64

struct faults {
  int pin_locked, pin_count_low, pin_final_try, protected_path, always_authenticate;
  int removed_on_sign, token_absent, stdout_noise, slots_at_initialize;
  char protected_pin[WORD];
  char hang[MAX_LIST][WORD], segfault[MAX_LIST][WORD], fail_fn[MAX_LIST][WORD], slow[MAX_LIST][WORD];
  CK_RV fail_rv[MAX_LIST];
  unsigned slow_ms[MAX_LIST];
  int n_hang, n_segfault, n_fail, n_slow;
  CK_MECHANISM_TYPE no_mech[MAX_LIST];
  int n_no_mech;
  char hidden[MAX_LIST][WORD];
  int n_hidden;
  char fail_slot_label[MAX_LIST][WORD], fail_slot_fn[MAX_LIST][WORD];
  CK_RV fail_slot_rv[MAX_LIST];
  int n_fail_slot;
  char fail_object_label[MAX_LIST][WORD];
  CK_RV fail_object_rv[MAX_LIST];
  int n_fail_object;
  char helper_pidfile[WORD * 4];
};

static CK_FUNCTION_LIST_PTR real;
static CK_FUNCTION_LIST ours;
/* For always_authenticate: the PIN of the last user login, and whether the current signing
 * operation got its context-specific login. Process-wide, not per session: enough for tests. */
static char last_user_pin[WORD];
static int context_logged_in;
/* For slots_at_initialize: whether the token was absent at the last C_Initialize. */
static int absent_at_initialize;
static char hidden_at_initialize[MAX_LIST][WORD];
static int n_hidden_at_initialize;

static CK_MECHANISM_TYPE mechanism_from_name(const char *name) {
  static const struct { const char *name; CK_MECHANISM_TYPE type; } known[] = {
    {"CKM_RSA_PKCS", CKM_RSA_PKCS}, {"CKM_RSA_PKCS_PSS", CKM_RSA_PKCS_PSS},
    {"CKM_SHA1_RSA_PKCS", CKM_SHA1_RSA_PKCS}, {"CKM_SHA256_RSA_PKCS", CKM_SHA256_RSA_PKCS},
    {"CKM_SHA384_RSA_PKCS", CKM_SHA384_RSA_PKCS}, {"CKM_SHA512_RSA_PKCS", CKM_SHA512_RSA_PKCS},
    {"CKM_SHA256_RSA_PKCS_PSS", CKM_SHA256_RSA_PKCS_PSS}, {"CKM_SHA384_RSA_PKCS_PSS", CKM_SHA384_RSA_PKCS_PSS},
    {"CKM_SHA512_RSA_PKCS_PSS", CKM_SHA512_RSA_PKCS_PSS}, {"CKM_ECDSA", CKM_ECDSA},
    {"CKM_ECDSA_SHA256", CKM_ECDSA_SHA256}, {"CKM_ECDSA_SHA384", CKM_ECDSA_SHA384},
    {"CKM_ECDSA_SHA512", CKM_ECDSA_SHA512},
  };
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(name, known[i].name) == 0) return known[i].type;
  return (CK_MECHANISM_TYPE)strtoul(name, NULL, 0); /* 0x... hex (or decimal) */
}

/* Re-read on every call so a test can change the faults between requests of a running process.
 * Each call reads into its own copy: with async signing, calls run on several threads at once. */
static void read_faults(struct faults *f) {
  memset(f, 0, sizeof *f);
  const char *path = getenv("KYSO_FAULT_CONTROL");
  FILE *file = path ? fopen(path, "r") : NULL;
  if (!file) return;
  char line[512], word[WORD], arg[WORD * 4], arg2[WORD], arg3[WORD];
  while (fgets(line, sizeof line, file)) {
    char *hash = strchr(line, '#');
    if (hash) *hash = 0;
    int n = sscanf(line, "%63s %255s %63s %63s", word, arg, arg2, arg3);
    if (n < 1) continue;
    if (n >= 2 && strcmp(word, "helper_process") && strlen(arg) >= WORD) arg[WORD - 1] = 0;
    if (!strcmp(word, "pin_locked")) f->pin_locked = 1;
    else if (!strcmp(word, "pin_count_low")) f->pin_count_low = 1;
    else if (!strcmp(word, "pin_final_try")) f->pin_final_try = 1;
    else if (!strcmp(word, "always_authenticate")) f->always_authenticate = 1;
    else if (!strcmp(word, "device_removed_on_sign")) f->removed_on_sign = 1;
    else if (!strcmp(word, "token_absent")) f->token_absent = 1;
    else if (!strcmp(word, "stdout_noise")) f->stdout_noise = 1;
    else if (!strcmp(word, "slots_at_initialize")) f->slots_at_initialize = 1;
    else if (!strcmp(word, "protected_auth_path") && n >= 2) { f->protected_path = 1; strcpy(f->protected_pin, arg); }
    else if (!strcmp(word, "helper_process") && n >= 2) strcpy(f->helper_pidfile, arg);
    else if (!strcmp(word, "hide_token") && n >= 2 && f->n_hidden < MAX_LIST) strcpy(f->hidden[f->n_hidden++], arg);
    else if (!strcmp(word, "hang") && n >= 2 && f->n_hang < MAX_LIST) strcpy(f->hang[f->n_hang++], arg);
    else if (!strcmp(word, "segfault") && n >= 2 && f->n_segfault < MAX_LIST) strcpy(f->segfault[f->n_segfault++], arg);
    else if (!strcmp(word, "no_mechanism") && n >= 2 && f->n_no_mech < MAX_LIST) f->no_mech[f->n_no_mech++] = mechanism_from_name(arg);
    else if (!strcmp(word, "fail_function") && n >= 3 && f->n_fail < MAX_LIST) {
      strcpy(f->fail_fn[f->n_fail], arg);
      f->fail_rv[f->n_fail++] = strtoul(arg2, NULL, 16); /* CKR values are written in hex, 0x optional */
    }
    else if (!strcmp(word, "fail_slot") && n >= 4 && f->n_fail_slot < MAX_LIST) {
      strcpy(f->fail_slot_label[f->n_fail_slot], arg);
      strcpy(f->fail_slot_fn[f->n_fail_slot], arg2);
      f->fail_slot_rv[f->n_fail_slot++] = strtoul(arg3, NULL, 16);
    }
    else if (!strcmp(word, "fail_object") && n >= 3 && f->n_fail_object < MAX_LIST) {
      strcpy(f->fail_object_label[f->n_fail_object], arg);
      f->fail_object_rv[f->n_fail_object++] = strtoul(arg2, NULL, 16);
    }
    else if (!strcmp(word, "slow") && n >= 3 && f->n_slow < MAX_LIST) {
      strcpy(f->slow[f->n_slow], arg);
      f->slow_ms[f->n_slow++] = strtoul(arg2, NULL, 10);
    }
    else fprintf(stderr, "kyso-fault-pkcs11: ignoring control line: %s", line);
  }
  fclose(file);
}

static int listed(char names[][WORD], int n, const char *function) {
  for (int i = 0; i < n; i++) if (!strcmp(names[i], function)) return i + 1;
  return 0;
}

/* Every wrapped function starts here: read the faults, then the generic ones, by function name.
 * Returns CKR_OK to go on. */
static void trace(const char *function, const char *suffix) {
  const char *path = getenv("KYSO_FAULT_TRACE");
  FILE *file = path && *path ? fopen(path, "a") : NULL;
  if (!file) return;
  fprintf(file, "%d %s%s\n", (int)getpid(), function, suffix);
  fclose(file);
}

static CK_RV enter(const char *function, struct faults *f) {
  read_faults(f);
  trace(function, "");
  if (f->stdout_noise) { /* what some vendor drivers do; it must never reach a native-messaging stream */
    printf("vendor-driver: %s called, some debug output \x01\x02\n", function);
    fflush(stdout);
  }
  if (listed(f->hang, f->n_hang, function)) for (;;) pause(); /* a PIN pad nobody answers, a wedged reader */
  if (listed(f->segfault, f->n_segfault, function)) { volatile int *nowhere = NULL; *nowhere = 1; } /* a real SIGSEGV */
  int s = listed(f->slow, f->n_slow, function);
  if (s) { /* a slow driver or a slow disk: the call finishes, later */
    usleep(f->slow_ms[s - 1] * 1000u);
    trace(function, " done");
  }
  int i = listed(f->fail_fn, f->n_fail, function);
  if (i) return f->fail_rv[i - 1];
  return CKR_OK;
}

#define ENTER(name) struct faults f; do { CK_RV rv_ = enter(name, &f); if (rv_ != CKR_OK) return rv_; } while (0)

static int mechanism_removed(const struct faults *f, CK_MECHANISM_TYPE type) {
  for (int i = 0; i < f->n_no_mech; i++) if (f->no_mech[i] == type) return 1;
  return 0;
}

/* helper_process: a child that keeps every descriptor the process had (pipes included) open. */
static void start_helper(const char *pidfile) {
  static int started;
  if (started || !*pidfile) return;
  started = 1;
  pid_t pid = fork();
  if (pid == 0) { sleep(600); _exit(0); }
  FILE *out = pid > 0 ? fopen(pidfile, "a") : NULL;
  if (out) { fprintf(out, "%d\n", (int)pid); fclose(out); }
}

static CK_RV w_Initialize(CK_VOID_PTR args) {
  ENTER("C_Initialize");
  start_helper(f.helper_pidfile);
  absent_at_initialize = f.token_absent;
  memcpy(hidden_at_initialize, f.hidden, sizeof hidden_at_initialize);
  n_hidden_at_initialize = f.n_hidden;
  return real->C_Initialize(args);
}

/* Whether the token is to be reported absent now (see slots_at_initialize). */
static int token_absent(const struct faults *f) {
  return f->slots_at_initialize ? absent_at_initialize : f->token_absent;
}
static CK_RV w_Finalize(CK_VOID_PTR reserved) { ENTER("C_Finalize"); return real->C_Finalize(reserved); }
static CK_RV w_GetInfo(CK_INFO_PTR info) { ENTER("C_GetInfo"); return real->C_GetInfo(info); }

/* The label of the token in this slot, unpadded, as the real module says it ("" if it cannot). */
static void slot_label(CK_SLOT_ID slot, char label[sizeof ((CK_TOKEN_INFO *)0)->label + 1]) {
  CK_TOKEN_INFO info;
  label[0] = 0;
  if (real->C_GetTokenInfo(slot, &info) != CKR_OK) return;
  memcpy(label, info.label, sizeof info.label);
  int end = sizeof info.label;
  while (end > 0 && label[end - 1] == ' ') end--;
  label[end] = 0;
}

/* The CKR fail_slot gives this function in this slot, or CKR_OK. */
static CK_RV slot_fault(const struct faults *f, const char *function, CK_SLOT_ID slot) {
  char label[sizeof ((CK_TOKEN_INFO *)0)->label + 1];
  int read = 0;
  for (int i = 0; i < f->n_fail_slot; i++) {
    if (strcmp(f->fail_slot_fn[i], function)) continue;
    if (!read++) slot_label(slot, label);
    if (!strcmp(label, f->fail_slot_label[i])) return f->fail_slot_rv[i];
  }
  return CKR_OK;
}

/* Whether the token in this slot is one hide_token names (see slots_at_initialize). */
static int slot_hidden(const struct faults *f, CK_SLOT_ID slot) {
  int n = f->slots_at_initialize ? n_hidden_at_initialize : f->n_hidden;
  if (n == 0) return 0;
  char label[sizeof ((CK_TOKEN_INFO *)0)->label + 1];
  slot_label(slot, label);
  for (int i = 0; i < n; i++)
    if (!strcmp(label, f->slots_at_initialize ? hidden_at_initialize[i] : f->hidden[i])) return 1;
  return 0;
}

static CK_RV w_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
  ENTER("C_GetSlotList");
  if (token_absent(&f) && present) { *count = 0; return CKR_OK; }
  if (!present || (f.slots_at_initialize ? n_hidden_at_initialize : f.n_hidden) == 0)
    return real->C_GetSlotList(present, list, count);
  CK_SLOT_ID all[64];
  CK_ULONG n = 64, kept = 0;
  CK_RV rv = real->C_GetSlotList(present, all, &n);
  if (rv != CKR_OK) return rv;
  for (CK_ULONG i = 0; i < n; i++) if (!slot_hidden(&f, all[i])) all[kept++] = all[i];
  if (list && *count < kept) { *count = kept; return CKR_BUFFER_TOO_SMALL; }
  if (list) memcpy(list, all, kept * sizeof *all);
  *count = kept;
  return CKR_OK;
}

static CK_RV w_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info) {
  ENTER("C_GetSlotInfo");
  CK_RV rv = slot_fault(&f, "C_GetSlotInfo", slot);
  if (rv != CKR_OK) return rv;
  rv = real->C_GetSlotInfo(slot, info);
  if (rv == CKR_OK && token_absent(&f)) info->flags &= ~(CK_FLAGS)CKF_TOKEN_PRESENT; /* the reader is still there */
  return rv;
}

static CK_RV w_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
  ENTER("C_GetTokenInfo");
  if (token_absent(&f) || slot_hidden(&f, slot)) return CKR_TOKEN_NOT_PRESENT;
  CK_RV rv = slot_fault(&f, "C_GetTokenInfo", slot);
  if (rv != CKR_OK) return rv;
  rv = real->C_GetTokenInfo(slot, info);
  if (rv != CKR_OK) return rv;
  if (f.pin_locked) info->flags |= CKF_USER_PIN_LOCKED;
  if (f.pin_count_low) info->flags |= CKF_USER_PIN_COUNT_LOW;
  if (f.pin_final_try) info->flags |= CKF_USER_PIN_FINAL_TRY;
  if (f.protected_path) info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
  return CKR_OK;
}

static CK_RV w_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
  ENTER("C_GetMechanismList");
  CK_ULONG all = 0;
  CK_RV rv = real->C_GetMechanismList(slot, NULL, &all);
  if (rv != CKR_OK) return rv;
  CK_MECHANISM_TYPE *types = calloc(all ? all : 1, sizeof *types);
  if (!types) return CKR_HOST_MEMORY;
  rv = real->C_GetMechanismList(slot, types, &all);
  CK_ULONG kept = 0;
  for (CK_ULONG i = 0; rv == CKR_OK && i < all; i++) if (!mechanism_removed(&f, types[i])) types[kept++] = types[i];
  if (rv == CKR_OK) {
    if (list && *count < kept) rv = CKR_BUFFER_TOO_SMALL;
    else if (list) memcpy(list, types, kept * sizeof *types);
    *count = kept;
  }
  free(types);
  return rv;
}

static CK_RV w_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
  ENTER("C_GetMechanismInfo");
  if (mechanism_removed(&f, type)) return CKR_MECHANISM_INVALID;
  return real->C_GetMechanismInfo(slot, type, info);
}

static CK_RV w_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify, CK_SESSION_HANDLE_PTR session) {
  ENTER("C_OpenSession");
  if (token_absent(&f)) return CKR_TOKEN_NOT_PRESENT;
  CK_RV rv = slot_fault(&f, "C_OpenSession", slot);
  if (rv != CKR_OK) return rv;
  return real->C_OpenSession(slot, flags, app, notify, session);
}

static CK_RV w_CloseSession(CK_SESSION_HANDLE session) { ENTER("C_CloseSession"); return real->C_CloseSession(session); }
static CK_RV w_GetSessionInfo(CK_SESSION_HANDLE session, CK_SESSION_INFO_PTR info) { ENTER("C_GetSessionInfo"); return real->C_GetSessionInfo(session, info); }

static CK_RV w_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  ENTER("C_Login");
  if (f.pin_locked) return CKR_PIN_LOCKED;
  if (f.protected_path && (pin == NULL || len == 0)) {
    pin = (CK_UTF8CHAR_PTR)f.protected_pin; /* "typed on the PIN pad" */
    len = strlen(f.protected_pin);
  }
  if (user == CKU_CONTEXT_SPECIFIC && f.always_authenticate) {
    /* SoftHSM has no context-specific login: check the PIN against the user login's. */
    if (pin == NULL || len != strlen(last_user_pin) || memcmp(pin, last_user_pin, len) != 0) return CKR_PIN_INCORRECT;
    context_logged_in = 1;
    return CKR_OK;
  }
  CK_RV rv = real->C_Login(session, user, pin, len);
  if (rv == CKR_OK && user == CKU_USER && pin && len < sizeof last_user_pin) {
    memcpy(last_user_pin, pin, len);
    last_user_pin[len] = 0;
  }
  return rv;
}

static CK_RV w_Logout(CK_SESSION_HANDLE session) { ENTER("C_Logout"); return real->C_Logout(session); }

static CK_RV w_GetAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR tpl, CK_ULONG n) {
  ENTER("C_GetAttributeValue");
  if (f.n_fail_object > 0) {
    char label[WORD] = {0};
    CK_ATTRIBUTE label_attr = {CKA_LABEL, label, sizeof label - 1};
    if (real->C_GetAttributeValue(session, object, &label_attr, 1) == CKR_OK)
      for (int i = 0; i < f.n_fail_object; i++)
        if (!strcmp(label, f.fail_object_label[i])) return f.fail_object_rv[i];
  }
  CK_RV rv = real->C_GetAttributeValue(session, object, tpl, n);
  if (!f.always_authenticate || (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID)) return rv;
  /* Only private keys have the attribute (SoftHSM reports CK_FALSE for them): flip it there. */
  CK_OBJECT_CLASS cls = 0;
  CK_ATTRIBUTE class_attr = {CKA_CLASS, &cls, sizeof cls};
  if (real->C_GetAttributeValue(session, object, &class_attr, 1) != CKR_OK || cls != CKO_PRIVATE_KEY) return rv;
  CK_RV result = CKR_OK;
  for (CK_ULONG i = 0; i < n; i++) {
    if (tpl[i].type == CKA_ALWAYS_AUTHENTICATE) {
      if (tpl[i].pValue && tpl[i].ulValueLen >= sizeof(CK_BBOOL)) *(CK_BBOOL *)tpl[i].pValue = CK_TRUE;
      tpl[i].ulValueLen = sizeof(CK_BBOOL);
    } else if (tpl[i].ulValueLen == (CK_ULONG)-1) {
      result = rv; /* another attribute really was invalid */
    }
  }
  return result;
}

static CK_RV w_FindObjectsInit(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR tpl, CK_ULONG n) { ENTER("C_FindObjectsInit"); return real->C_FindObjectsInit(s, tpl, n); }
static CK_RV w_FindObjects(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE_PTR o, CK_ULONG max, CK_ULONG_PTR n) {
  ENTER("C_FindObjects");
  CK_SESSION_INFO info;
  if (f.n_fail_slot > 0 && real->C_GetSessionInfo(s, &info) == CKR_OK) {
    CK_RV rv = slot_fault(&f, "C_FindObjects", info.slotID);
    if (rv != CKR_OK) return rv;
  }
  return real->C_FindObjects(s, o, max, n);
}
static CK_RV w_FindObjectsFinal(CK_SESSION_HANDLE s) { ENTER("C_FindObjectsFinal"); return real->C_FindObjectsFinal(s); }

static CK_RV w_SignInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key) {
  ENTER("C_SignInit");
  if (mechanism && mechanism_removed(&f, mechanism->mechanism)) return CKR_MECHANISM_INVALID;
  context_logged_in = 0;
  return real->C_SignInit(session, mechanism, key);
}

static CK_RV w_Sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len) {
  struct faults f;
  CK_RV rv = enter("C_Sign", &f);
  if (rv == CKR_OK && f.removed_on_sign) rv = CKR_DEVICE_REMOVED;
  if (rv == CKR_OK && f.always_authenticate && !context_logged_in) rv = CKR_USER_NOT_LOGGED_IN;
  if (rv != CKR_OK) {
    /* A failed C_Sign ends the operation (PKCS#11 5.12): end the real one too, into a scratch
     * buffer that is thrown away, or the session would be stuck in CKR_OPERATION_ACTIVE. */
    CK_BYTE scratch[1024];
    CK_ULONG scratch_len = sizeof scratch;
    real->C_Sign(session, data, len, scratch, &scratch_len);
    return rv;
  }
  rv = real->C_Sign(session, data, len, sig, sig_len);
  if (sig && rv != CKR_BUFFER_TOO_SMALL) context_logged_in = 0; /* the context login covers one signature */
  return rv;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
  if (!list) return CKR_ARGUMENTS_BAD;
  if (!real) {
    const char *target = getenv("KYSO_FAULT_TARGET");
    if (!target || !*target) target = "/usr/lib/softhsm/libsofthsm2.so";
    void *lib = dlopen(target, RTLD_NOW | RTLD_LOCAL);
    if (!lib) { fprintf(stderr, "kyso-fault-pkcs11: %s\n", dlerror()); return CKR_GENERAL_ERROR; }
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    if (!get || get(&real) != CKR_OK || !real) { real = NULL; return CKR_GENERAL_ERROR; }
    ours = *real; /* everything not overridden below goes straight to the real module */
    ours.C_Initialize = w_Initialize;
    ours.C_Finalize = w_Finalize;
    ours.C_GetInfo = w_GetInfo;
    ours.C_GetSlotList = w_GetSlotList;
    ours.C_GetSlotInfo = w_GetSlotInfo;
    ours.C_GetTokenInfo = w_GetTokenInfo;
    ours.C_GetMechanismList = w_GetMechanismList;
    ours.C_GetMechanismInfo = w_GetMechanismInfo;
    ours.C_OpenSession = w_OpenSession;
    ours.C_CloseSession = w_CloseSession;
    ours.C_GetSessionInfo = w_GetSessionInfo;
    ours.C_Login = w_Login;
    ours.C_Logout = w_Logout;
    ours.C_GetAttributeValue = w_GetAttributeValue;
    ours.C_FindObjectsInit = w_FindObjectsInit;
    ours.C_FindObjects = w_FindObjects;
    ours.C_FindObjectsFinal = w_FindObjectsFinal;
    ours.C_SignInit = w_SignInit;
    ours.C_Sign = w_Sign;
  }
  *list = &ours;
  return CKR_OK;
}
