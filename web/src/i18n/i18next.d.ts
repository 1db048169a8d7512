/** Type-checked translation keys: `t("nodes.title")` must exist in the English dictionary. */
import "i18next";
import type { en } from "./en";

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof en };
    returnNull: false;
  }
}
