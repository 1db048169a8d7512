/**
 * API errors in the user's language. The controller writes English; the UI translates by the
 * stable `code` of the error and of each issue (src/controller/api/errors.ts,
 * src/model/issues.ts), naming the field when the issue has one. A code the dictionaries do not
 * know keeps the server's message, and in English the server's message, which names the value,
 * is shown as it is.
 */
import { ApiError } from "../api/client";
import type { Issue } from "../api/types";
import { en } from "./en";
import i18n from "./index";

type ErrorCode = keyof typeof en.apiErrors;
type IssueCode = keyof typeof en.issueCodes;

const isErrorCode = (c: string): c is ErrorCode => Object.hasOwn(en.apiErrors, c);
const isIssueCode = (c: string): c is IssueCode => Object.hasOwn(en.issueCodes, c);
const english = () => !i18n.language || i18n.language.startsWith("en");

/** The message of an issue, for the field it concerns or the alert. */
export function issueMessage(issue: Issue): string {
  if (english() || !isIssueCode(issue.code)) return issue.message;
  const text = i18n.t(`issueCodes.${issue.code}`);
  // The last named segment of the path (`spec.subnets[1]` → `subnets`) says which field.
  const field = issue.path.match(/([A-Za-z]\w*)(?:\[\d+\])*$/)?.[1];
  return field ? i18n.t("apiErrors.onField", { field, text }) : text;
}

/** The headline of an API error. */
export function errorMessage(error: ApiError): string {
  if (error.localized || english() || !isErrorCode(error.code)) return error.message;
  return i18n.t(`apiErrors.${error.code}`);
}

export { ApiError };
