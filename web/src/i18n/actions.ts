/** Audit action codes (what the controller writes) in the user's language. */
import type { TFunction } from "i18next";
import { en } from "./en";

/** An action code in the user's language; a code this UI does not know yet is shown as it is. */
export function actionLabel(t: TFunction, code: string): string {
  return code in en.audit.actions ? t(`audit.actions.${code as keyof typeof en.audit.actions}`) : code;
}
