/**
 * Readable, stable Terraform addresses. cdktf names a nested resource after its construct path plus a hash
 * (`tls_locally_signed_cert.node-location-a_cert_4AB7EAAB`), which a reviewer cannot read in a plan. The
 * constructs take a `planName` instead and give every resource they create that name
 * (`tls_private_key.location-a`, `tls_cert_request.location-a`, `tls_locally_signed_cert.location-a`: the
 * types differ, so one name serves the three). The stacks choose the names, here, in one place.
 */
import { TerraformElement, TerraformStack } from 'cdktf';

/** What Terraform accepts as a resource name. */
const TERRAFORM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const taken = new WeakMap<TerraformStack, Map<string, TerraformElement>>();

/**
 * Gives an element the Terraform name `name` (its address becomes `<type>.<name>`). Two elements of one type
 * in one stack may not share a name: cdktf would silently keep only one of them.
 */
export function setPlanName(element: TerraformElement, name: string): void {
  if (!TERRAFORM_NAME.test(name)) throw new Error(`${element.node.path}: "${name}" is not a Terraform resource name`);
  const type = String((element as unknown as { terraformResourceType?: string }).terraformResourceType ?? element.constructor.name);
  const stack = element.cdktfStack;
  let names = taken.get(stack);
  if (names === undefined) taken.set(stack, names = new Map());
  const address = `${type}.${name}`;
  const holder = names.get(address);
  // Paths only in the message: computing one walks the construct tree.
  if (holder !== undefined && holder !== element) throw new Error(`${element.node.path}: ${address} is already ${holder.node.path}`);
  names.set(address, element);
  element.overrideLogicalId(name);
}

/**
 * `element`, named `name` when one is given. Call it on the new element before reading any attribute:
 * cdktf fixes an element's name the first time an attribute of it is referenced.
 */
export function named<T extends TerraformElement>(element: T, name: string | undefined): T {
  if (name !== undefined) setPlanName(element, name);
  return element;
}

/** Names of the resources that are not a node's. Node ids never contain '_', so `<id>_node` below cannot clash. */
export const PLAN_NAMES = {
  /** The federation root's key and certificate. */
  root: 'federation-ca',
  /** step-ca's intermediate CA (key, CSR, certificate). */
  stepCaIntermediate: 'step-ca-intermediate',
  /** The imported intermediate's key file (data source). */
  importedIntermediate: 'imported-intermediate',
  /** The canary client certificate. */
  canary: 'canary',
  /** A site's NATS container. */
  nats: 'nats',
  /** step-ca's container, volume and image. */
  stepCa: 'step-ca',
} as const;

const RESERVED: ReadonlySet<string> = new Set(Object.values(PLAN_NAMES));

/** A node's resources are named after the node (`<id>_node` for the few ids taken by the names above). */
export function nodePlanName(nodeId: string): string {
  return RESERVED.has(nodeId) ? `${nodeId}_node` : nodeId;
}

/**
 * An image resource's name: its repository's last path component, without tag or digest, so a new tag
 * updates the same address instead of destroying one resource and creating another. Two images of the same
 * repository in one stack (different tags) are told apart by their tags.
 */
export function imagePlanName(image: string, siteImages: readonly string[]): string {
  const base = (i: string) => repositoryName(i);
  const name = base(image);
  const sameRepository = new Set(siteImages.filter((i) => base(i) === name));
  if (sameRepository.size <= 1) return name;
  return `${name}_${image.slice(image.lastIndexOf('/') + 1).slice(name.length).replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+/, '')}`;
}

/** Repository names by image: a federation runs a handful of images, asked for at every site. */
const repositoryNames = new Map<string, string>();

function repositoryName(image: string): string {
  let known = repositoryNames.get(image);
  if (known === undefined) {
    const last = image.split('@')[0].split('/').pop() ?? image;
    const repo = last.split(':')[0].replace(/[^A-Za-z0-9_-]+/g, '-');
    repositoryNames.set(image, known = /^[A-Za-z_]/.test(repo) ? repo : `image-${repo}`);
  }
  return known;
}
