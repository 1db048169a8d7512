/**
 * The one way a resource dialog (network, node, enrollment policy, peer override) opens and
 * saves. On open it forgets the last error and fills the form from the resource being edited, or
 * with a new one's defaults. Saving PUTs `/api/v1/{plural}/{name}` for an edit and POSTs
 * `/api/v1/{plural}` for a new one; the API's issues go under the fields that show them
 * ({@link resourceField}), the rest into the alert (see {@link useSubmit}).
 */
import { Form, type FormInstance } from "antd";
import { type DependencyList, type ReactNode, useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import { resourceField } from "./field-paths";
import { FormModal, type Submit, useSubmit } from "./use-submit";

interface Named {
  readonly metadata: { readonly name: string };
}

/** What a resource form's dialog is titled by: `{ns}.create`, `{ns}.edit` in the dictionaries. */
type Ns = "networks" | "nodes" | "enrollmentPolicies" | "peerOverrides";

/** What stays the same for every dialog of one kind: its texts, API path and document mapping. */
export interface ResourceKind<V, T extends Named> {
  readonly ns: Ns;
  /** The API's path segment: `networks`, `enrollment-policies`. */
  readonly plural: string;
  readonly toResource: (values: V) => unknown;
  readonly fromResource: (resource: T) => V;
  /** Issue paths that name no form field of the same name: `{ listenPortRange: "portFrom" }`. */
  readonly aliases?: Readonly<Record<string, string>>;
}

/** The props every resource dialog takes from its page. */
export interface DialogProps<T> {
  readonly open: boolean;
  /** The resource being edited; undefined: a new one. */
  readonly existing?: T;
  onClose(): void;
}

export interface ResourceFormOptions<V> {
  /** What a new one starts with; read on open and whenever `deps` change while open. */
  readonly initial: () => Partial<V>;
  /** Toast on success, e.g. t("common.saved"); absent: none (the caller shows the result). */
  readonly success?: string;
  readonly onSaved: (values: V) => void;
  /** After the form is filled on open: load what its pickers offer. */
  readonly onOpen?: (form: FormInstance<V>) => void;
  /** More values that refill the form while open (the networks a new one defaults to). */
  readonly deps?: DependencyList;
}

export function useResourceForm<V, T extends Named>(
  kind: ResourceKind<V, T>,
  props: DialogProps<T>,
  options: ResourceFormOptions<V>,
): { form: FormInstance<V>; modal: ModalProps<V, T> } {
  const { open, existing } = props;
  const [form] = Form.useForm<V>();
  const save = useSubmit(form, {
    send: (v) =>
      existing
        ? api.put(`/api/v1/${kind.plural}/${existing.metadata.name}`, kind.toResource(v))
        : api.post(`/api/v1/${kind.plural}`, kind.toResource(v)),
    fieldOf: resourceField(form, kind.aliases),
    success: options.success,
    onDone: (_, v) => options.onSaved(v),
  });
  // The callbacks change every render; the form refills only when the dialog opens or deps change.
  const latest = useRef(options);
  latest.current = options;
  const { reset } = save;
  useEffect(() => {
    if (!open) return;
    const { initial, onOpen } = latest.current;
    reset();
    form.resetFields();
    const values = existing ? kind.fromResource(existing) : initial();
    form.setFieldsValue(values as Parameters<typeof form.setFieldsValue>[0]);
    onOpen?.(form);
  }, [open, existing, form, reset, kind, ...(options.deps ?? [])]);
  return { form, modal: { ...props, ns: kind.ns, form, save } };
}

interface ModalProps<V, T extends Named> extends DialogProps<T> {
  readonly ns: Ns;
  readonly form: FormInstance<V>;
  readonly save: Submit;
}

/** The dialog around a resource form: titled new or edit, with the form laid out as every one is. */
export function ResourceModal<V, T extends Named>({
  ns,
  form,
  save,
  open,
  existing,
  onClose,
  width,
  children,
}: ModalProps<V, T> & { width: number; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <FormModal
      submit={save}
      open={open}
      title={existing ? t(`${ns}.edit`, { name: existing.metadata.name }) : t(`${ns}.create`)}
      onCancel={onClose}
      width={width}
    >
      <Form form={form} layout="vertical" requiredMark="optional">
        {children}
      </Form>
    </FormModal>
  );
}
