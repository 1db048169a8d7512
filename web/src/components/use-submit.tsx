/**
 * The one way a form sends a change: local checks, then the request; the API's issues go under
 * the fields they concern, the rest into an alert above the form; on success the caller's
 * `onDone` runs (close the dialog, reload the list). `useAction` is the same for changes without
 * a form (delete, revoke, approve): the error goes into an alert, success into a toast.
 */
import { App, type FormInstance, Modal, type ModalProps } from "antd";
import { type ReactNode, useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Issue } from "../api/types";
import { ErrorAlert } from "./ErrorAlert";
import type { FieldPath } from "./field-paths";
import { clearIssues, showIssues } from "./form-errors";

/** Maps an API issue's split path to a form field's name path; undefined: the alert shows it. */
export type FieldOf = (path: FieldPath, issue: Issue) => FieldPath | undefined;

/** Top-level fields of a non-resource body (`{ name, role, ttl }`): path `name` → field `name`. */
export function topFields(known: readonly string[]): FieldOf {
  return (path) => (known.includes(String(path[0])) ? [String(path[0])] : undefined);
}

export interface Submit {
  /** Validates, sends, shows issues; resolves when done (never rejects). */
  run(): Promise<void>;
  /** Forget the last error (when the form opens again). */
  reset(): void;
  readonly busy: boolean;
  /** The alert for what no field shows, or null. */
  readonly alert: ReactNode;
}

export function useSubmit<V, R = unknown>(
  form: FormInstance<V>,
  options: {
    readonly send: (values: V) => Promise<R>;
    readonly fieldOf: FieldOf;
    readonly onDone?: (result: R, values: V) => void;
    /** Toast on success, e.g. t("common.saved"). */
    readonly success?: string;
  },
): Submit {
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const [rest, setRest] = useState<{ error: unknown; issues: Issue[] }>();
  const { send, fieldOf, onDone, success } = options;
  const run = async () => {
    let values: V;
    try {
      values = await form.validateFields();
    } catch {
      return; // antd shows the local errors under the fields
    }
    setBusy(true);
    clearIssues(form);
    setRest(undefined);
    try {
      const result = await send(values);
      if (success) message.success(success);
      onDone?.(result, values);
    } catch (e) {
      setRest({ error: e, issues: showIssues(form, e, fieldOf) });
    } finally {
      setBusy(false);
    }
  };
  const reset = useCallback(() => setRest(undefined), []);
  return {
    run,
    reset,
    busy,
    alert: rest ? <ErrorAlert error={rest.error} issues={rest.issues} /> : null,
  };
}

/** A dialog around a form: save runs the submit, the alert sits above the form. */
export function FormModal({
  submit,
  children,
  okText,
  ...props
}: { submit: Submit; children: ReactNode } & Omit<ModalProps, "onOk" | "confirmLoading">) {
  const { t } = useTranslation();
  return (
    <Modal
      onOk={() => void submit.run()}
      confirmLoading={submit.busy}
      okText={okText ?? t("common.save")}
      cancelText={t("common.cancel")}
      destroyOnHidden
      {...props}
    >
      {submit.alert}
      {children}
    </Modal>
  );
}

export interface Action {
  /** Runs a change; on success toasts `success` and calls `after` (reload); on failure sets `error`. */
  run(change: () => Promise<unknown>, success?: string): Promise<boolean>;
  readonly error: unknown;
  readonly busy: boolean;
  clear(): void;
}

export function useAction(after?: () => void): Action {
  const { message } = App.useApp();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return {
    async run(change, success) {
      setError(undefined);
      setBusy(true);
      try {
        await change();
        if (success) message.success(success);
        after?.();
        return true;
      } catch (e) {
        setError(e);
        return false;
      } finally {
        setBusy(false);
      }
    },
    error,
    busy,
    clear: () => setError(undefined),
  };
}
